package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	categoryPrefix = "urn:vmomi:InventoryServiceCategory:"
	tagPrefix      = "urn:vmomi:InventoryServiceTag:"
	globalSuffix   = ":GLOBAL"
)

func hasObject(refs []mo.Reference, want types.ManagedObjectReference) bool {
	for _, r := range refs {
		if r.Reference() == want {
			return true
		}
	}
	return false
}

func contains(list []string, want string) bool {
	for _, s := range list {
		if s == want {
			return true
		}
	}
	return false
}

func (s *suite) tagChecks() {
	var catID, tagID, tag2ID, single1, single2 string
	var vm, host, ds types.ManagedObjectReference

	s.check("tags: the objects to tag are found through SOAP (VM, host, datastore)", func(ctx context.Context) error {
		v, err := s.finder.VirtualMachine(ctx, "/DC0/vm/DC0_H0_VM0")
		if err != nil {
			return err
		}
		h, err := s.finder.HostSystem(ctx, "/DC0/host/DC0_H0/DC0_H0")
		if err != nil {
			return err
		}
		d, err := s.finder.Datastore(ctx, "/DC0/datastore/LocalDS_0")
		if err != nil {
			return err
		}
		vm, host, ds = v.Reference(), h.Reference(), d.Reference()
		return nil
	})

	s.check("tags: CreateCategory (MULTIPLE; VirtualMachine, HostSystem) returns a category urn", func(ctx context.Context) error {
		id, err := s.tags.CreateCategory(ctx, &tags.Category{
			Name:            "rest-env",
			Description:     "environment",
			Cardinality:     "MULTIPLE",
			AssociableTypes: []string{"VirtualMachine", "HostSystem"},
		})
		if err != nil {
			return err
		}
		if !strings.HasPrefix(id, categoryPrefix) || !strings.HasSuffix(id, globalSuffix) {
			return fmt.Errorf("category id %q, want %s<uuid>%s", id, categoryPrefix, globalSuffix)
		}
		catID = id
		return nil
	})

	s.check("tags: GetCategory by id and by name", func(ctx context.Context) error {
		c, err := s.tags.GetCategory(ctx, catID)
		if err != nil {
			return err
		}
		if c.ID != catID || c.Name != "rest-env" || c.Description != "environment" || c.Cardinality != "MULTIPLE" {
			return fmt.Errorf("by id: %+v", c)
		}
		if err := sameSet(c.AssociableTypes, []string{"VirtualMachine", "HostSystem"}); err != nil {
			return fmt.Errorf("associable_types: %v", err)
		}
		byName, err := s.tags.GetCategory(ctx, "rest-env")
		if err != nil {
			return err
		}
		if byName.ID != catID {
			return fmt.Errorf("by name: %+v", byName)
		}
		return nil
	})

	s.check("tags: ListCategories and GetCategories include it", func(ctx context.Context) error {
		ids, err := s.tags.ListCategories(ctx)
		if err != nil {
			return err
		}
		if !contains(ids, catID) {
			return fmt.Errorf("ListCategories = %v", ids)
		}
		all, err := s.tags.GetCategories(ctx)
		if err != nil {
			return err
		}
		for _, c := range all {
			if c.ID == catID && c.Name == "rest-env" {
				return nil
			}
		}
		return fmt.Errorf("GetCategories = %+v", all)
	})

	s.check("tags: UpdateCategory changes the description", func(ctx context.Context) error {
		if err := s.tags.UpdateCategory(ctx, &tags.Category{ID: catID, Description: "deployment environment"}); err != nil {
			return err
		}
		c, err := s.tags.GetCategory(ctx, catID)
		if err != nil {
			return err
		}
		if c.Description != "deployment environment" || c.Name != "rest-env" {
			return fmt.Errorf("after update: %+v", c)
		}
		return nil
	})

	s.check("tags: a second category with the same name is refused (400 already_exists)", func(ctx context.Context) error {
		_, err := s.tags.CreateCategory(ctx, &tags.Category{Name: "rest-env", Cardinality: "SINGLE"})
		return wantHTTP(err, http.StatusBadRequest, "already_exists")
	})

	s.check("tags: GetCategory of an unknown id is 404", func(ctx context.Context) error {
		if err := needs(map[string]bool{"CreateCategory": catID != ""}); err != nil {
			return err
		}
		_, err := s.tags.GetCategory(ctx, categoryPrefix+"00000000-0000-0000-0000-000000000000"+globalSuffix)
		return wantHTTP(err, http.StatusNotFound, "")
	})

	s.check("tags: CreateTag in the category named by its name returns a tag urn", func(ctx context.Context) error {
		id, err := s.tags.CreateTag(ctx, &tags.Tag{Name: "rest-prod", Description: "production", CategoryID: "rest-env"})
		if err != nil {
			return err
		}
		if !strings.HasPrefix(id, tagPrefix) || !strings.HasSuffix(id, globalSuffix) {
			return fmt.Errorf("tag id %q, want %s<uuid>%s", id, tagPrefix, globalSuffix)
		}
		tagID = id
		id, err = s.tags.CreateTag(ctx, &tags.Tag{Name: "rest-test", CategoryID: catID})
		if err != nil {
			return fmt.Errorf("second tag: %v", err)
		}
		tag2ID = id
		return nil
	})

	s.check("tags: GetTag by id and by name; ListTags and GetTags include it", func(ctx context.Context) error {
		t, err := s.tags.GetTag(ctx, tagID)
		if err != nil {
			return err
		}
		if t.ID != tagID || t.Name != "rest-prod" || t.Description != "production" || t.CategoryID != catID {
			return fmt.Errorf("by id: %+v", t)
		}
		byName, err := s.tags.GetTag(ctx, "rest-prod")
		if err != nil {
			return err
		}
		if byName.ID != tagID {
			return fmt.Errorf("by name: %+v", byName)
		}
		ids, err := s.tags.ListTags(ctx)
		if err != nil {
			return err
		}
		if !contains(ids, tagID) || !contains(ids, tag2ID) {
			return fmt.Errorf("ListTags = %v", ids)
		}
		all, err := s.tags.GetTags(ctx)
		if err != nil {
			return err
		}
		if len(all) != len(ids) {
			return fmt.Errorf("GetTags has %d tags, ListTags %d", len(all), len(ids))
		}
		return nil
	})

	s.check("tags: ListTagsForCategory / GetTagsForCategory / GetTagForCategory", func(ctx context.Context) error {
		ids, err := s.tags.ListTagsForCategory(ctx, catID)
		if err != nil {
			return err
		}
		if err := sameSet(ids, []string{tagID, tag2ID}); err != nil {
			return fmt.Errorf("ListTagsForCategory: %v", err)
		}
		ts, err := s.tags.GetTagsForCategory(ctx, "rest-env")
		if err != nil {
			return err
		}
		if len(ts) != 2 {
			return fmt.Errorf("GetTagsForCategory = %+v", ts)
		}
		t, err := s.tags.GetTagForCategory(ctx, "rest-test", "rest-env")
		if err != nil {
			return err
		}
		if t.ID != tag2ID {
			return fmt.Errorf("GetTagForCategory = %+v", t)
		}
		return nil
	})

	s.check("tags: UpdateTag renames and redescribes", func(ctx context.Context) error {
		if err := s.tags.UpdateTag(ctx, &tags.Tag{ID: tag2ID, Name: "rest-staging", Description: "staging"}); err != nil {
			return err
		}
		t, err := s.tags.GetTag(ctx, tag2ID)
		if err != nil {
			return err
		}
		if t.Name != "rest-staging" || t.Description != "staging" || t.CategoryID != catID {
			return fmt.Errorf("after update: %+v", t)
		}
		return nil
	})

	s.check("tags: a second tag with the same name in the category is refused (400 already_exists)", func(ctx context.Context) error {
		_, err := s.tags.CreateTag(ctx, &tags.Tag{Name: "rest-prod", CategoryID: catID})
		return wantHTTP(err, http.StatusBadRequest, "already_exists")
	})

	s.check("tags: renaming a tag onto a taken name is refused (400 already_exists)", func(ctx context.Context) error {
		err := s.tags.UpdateTag(ctx, &tags.Tag{ID: tag2ID, Name: "rest-prod"})
		return wantHTTP(err, http.StatusBadRequest, "already_exists")
	})

	s.check("tags: a tag in an unknown category is refused (404)", func(ctx context.Context) error {
		if err := needs(map[string]bool{"CreateTag": tagID != ""}); err != nil {
			return err
		}
		_, err := s.tags.CreateTag(ctx, &tags.Tag{Name: "orphan", CategoryID: categoryPrefix + "00000000-0000-0000-0000-000000000000" + globalSuffix})
		return wantHTTP(err, http.StatusNotFound, "")
	})

	s.check("tags: AttachTag to a VM; ListAttachedObjects shows it", func(ctx context.Context) error {
		if err := s.tags.AttachTag(ctx, tagID, vm); err != nil {
			return err
		}
		refs, err := s.tags.ListAttachedObjects(ctx, tagID)
		if err != nil {
			return err
		}
		if len(refs) != 1 || !hasObject(refs, vm) {
			return fmt.Errorf("ListAttachedObjects = %v, want [%s]", refs, vm)
		}
		return nil
	})

	s.check("tags: ListAttachedTags / GetAttachedTags on the VM", func(ctx context.Context) error {
		ids, err := s.tags.ListAttachedTags(ctx, vm)
		if err != nil {
			return err
		}
		if err := sameSet(ids, []string{tagID}); err != nil {
			return fmt.Errorf("ListAttachedTags: %v", err)
		}
		ts, err := s.tags.GetAttachedTags(ctx, vm)
		if err != nil {
			return err
		}
		if len(ts) != 1 || ts[0].Name != "rest-prod" {
			return fmt.Errorf("GetAttachedTags = %+v", ts)
		}
		return nil
	})

	s.check("tags: AttachTagToMultipleObjects (VM and host), then GetAttachedObjectsOnTags", func(ctx context.Context) error {
		if err := s.tags.AttachTagToMultipleObjects(ctx, tag2ID, []mo.Reference{vm, host}); err != nil {
			return err
		}
		objs, err := s.tags.GetAttachedObjectsOnTags(ctx, []string{tagID, tag2ID})
		if err != nil {
			return err
		}
		got := map[string]int{}
		for _, o := range objs {
			got[o.TagID] = len(o.ObjectIDs)
			if o.TagID == tag2ID && (!hasObject(o.ObjectIDs, vm) || !hasObject(o.ObjectIDs, host)) {
				return fmt.Errorf("objects of the second tag: %v", o.ObjectIDs)
			}
		}
		if got[tagID] != 1 || got[tag2ID] != 2 {
			return fmt.Errorf("objects per tag = %v", got)
		}
		return nil
	})

	s.check("tags: ListAttachedTagsOnObjects / GetAttachedTagsOnObjects", func(ctx context.Context) error {
		res, err := s.tags.GetAttachedTagsOnObjects(ctx, []mo.Reference{vm, host})
		if err != nil {
			return err
		}
		got := map[types.ManagedObjectReference][]string{}
		for _, a := range res {
			got[a.ObjectID.Reference()] = a.TagIDs
			if len(a.Tags) != len(a.TagIDs) {
				return fmt.Errorf("tags of %s: %+v", a.ObjectID, a.Tags)
			}
		}
		if err := sameSet(got[vm], []string{tagID, tag2ID}); err != nil {
			return fmt.Errorf("tags on the VM: %v", err)
		}
		if err := sameSet(got[host], []string{tag2ID}); err != nil {
			return fmt.Errorf("tags on the host: %v", err)
		}
		return nil
	})

	s.check("tags: attaching to a type the category does not allow (a datastore) is refused (400)", func(ctx context.Context) error {
		return wantHTTP(s.tags.AttachTag(ctx, tagID, ds), http.StatusBadRequest, "invalid_argument")
	})

	s.check("tags: SINGLE cardinality: a second tag of the category on one VM is refused (400)", func(ctx context.Context) error {
		sc, err := s.tags.CreateCategory(ctx, &tags.Category{Name: "rest-owner", Cardinality: "SINGLE", AssociableTypes: []string{"VirtualMachine"}})
		if err != nil {
			return err
		}
		if single1, err = s.tags.CreateTag(ctx, &tags.Tag{Name: "alice", CategoryID: sc}); err != nil {
			return err
		}
		if single2, err = s.tags.CreateTag(ctx, &tags.Tag{Name: "bob", CategoryID: sc}); err != nil {
			return err
		}
		if err := s.tags.AttachTag(ctx, single1, vm); err != nil {
			return fmt.Errorf("first tag: %v", err)
		}
		if err := wantHTTP(s.tags.AttachTag(ctx, single2, vm), http.StatusBadRequest, "invalid_argument"); err != nil {
			return err
		}
		ids, err := s.tags.ListAttachedTags(ctx, vm)
		if err != nil {
			return err
		}
		if contains(ids, single2) || !contains(ids, single1) {
			return fmt.Errorf("tags on the VM after the refusal: %v", ids)
		}
		return nil
	})

	s.check("tags: SINGLE cardinality: the same tag on two VMs is fine", func(ctx context.Context) error {
		other, err := s.finder.VirtualMachine(ctx, "/DC0/vm/DC0_H0_VM1")
		if err != nil {
			return err
		}
		return s.tags.AttachTag(ctx, single1, other.Reference())
	})

	s.check("tags: DetachMultipleTagsFromObject, then AttachMultipleTagsToObject", func(ctx context.Context) error {
		if err := s.tags.DetachMultipleTagsFromObject(ctx, []string{tagID, tag2ID}, host); err != nil {
			return err
		}
		ids, err := s.tags.ListAttachedTags(ctx, host)
		if err != nil {
			return err
		}
		if len(ids) != 0 {
			return fmt.Errorf("tags on the host after detach: %v", ids)
		}
		if err := s.tags.AttachMultipleTagsToObject(ctx, []string{tagID, tag2ID}, host); err != nil {
			return err
		}
		ids, err = s.tags.ListAttachedTags(ctx, host)
		if err != nil {
			return err
		}
		return sameSet(ids, []string{tagID, tag2ID})
	})

	s.check("tags: DetachTag; ListAttachedObjects no longer shows the VM", func(ctx context.Context) error {
		if err := s.tags.DetachTag(ctx, tagID, vm); err != nil {
			return err
		}
		refs, err := s.tags.ListAttachedObjects(ctx, tagID)
		if err != nil {
			return err
		}
		if hasObject(refs, vm) || !hasObject(refs, host) {
			return fmt.Errorf("ListAttachedObjects after detach = %v", refs)
		}
		return nil
	})

	s.check("tags: DeleteTag; GetTag is 404 and the tag leaves its objects", func(ctx context.Context) error {
		if err := s.tags.DeleteTag(ctx, &tags.Tag{ID: tagID}); err != nil {
			return err
		}
		_, err := s.tags.GetTag(ctx, tagID)
		if err := wantHTTP(err, http.StatusNotFound, ""); err != nil {
			return err
		}
		ids, err := s.tags.ListAttachedTags(ctx, host)
		if err != nil {
			return err
		}
		return sameSet(ids, []string{tag2ID})
	})

	s.check("tags: DeleteCategory; the category and its tags are gone", func(ctx context.Context) error {
		if err := s.tags.DeleteCategory(ctx, &tags.Category{ID: catID}); err != nil {
			return err
		}
		_, err := s.tags.GetCategory(ctx, catID)
		if err := wantHTTP(err, http.StatusNotFound, ""); err != nil {
			return fmt.Errorf("the category: %v", err)
		}
		_, err = s.tags.GetTag(ctx, tag2ID)
		if err := wantHTTP(err, http.StatusNotFound, ""); err != nil {
			return fmt.Errorf("its tag: %v", err)
		}
		ids, err := s.tags.ListTags(ctx)
		if err != nil {
			return err
		}
		if contains(ids, tag2ID) {
			return fmt.Errorf("ListTags still has %s", tag2ID)
		}
		return nil
	})
}

func sameSet(got, want []string) error {
	if len(got) != len(want) {
		return fmt.Errorf("got %v, want %v", got, want)
	}
	for _, w := range want {
		if !contains(got, w) {
			return fmt.Errorf("got %v, want %v", got, want)
		}
	}
	return nil
}
