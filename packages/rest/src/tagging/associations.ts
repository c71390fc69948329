/**
 * Tag associations (cis.tagging.tag_association): every operation is a POST with an action,
 * on the tag (`/api/cis/tagging/tag-association/{tag}?action=`,
 * `/rest/com/vmware/cis/tagging/tag-association/id:{tag}?~action=`) or on the service
 * (`.../tag-association?action=`). Objects are vAPI DynamicIDs (`{"type", "id"}`). Single
 * attach and detach answer nothing (204 in `/api`); the batch operations answer the model's
 * BatchResult, listing the items that failed while the others apply.
 */
import type { Call, Route, RouteSet } from '../routes.js';
import type { Reply } from '../styles.js';
import { base, idParam, objectIdField, objectIdsField, stringsField } from './args.js';

type Run = (call: Call) => Reply;

/** Operations on one tag: `.../tag-association/{tag}?action=...`. */
const ON_TAG: Readonly<Record<string, (call: Call, tag: string) => Reply>> = {
  attach: (call, tag) => {
    call.vsphere.tagging.association.attach(tag, objectIdField(call));
    return {};
  },
  detach: (call, tag) => {
    call.vsphere.tagging.association.detach(tag, objectIdField(call));
    return {};
  },
  'list-attached-objects': (call, tag) => ({
    value: call.vsphere.tagging.association.listAttachedObjects(tag),
  }),
  'attach-tag-to-multiple-objects': (call, tag) => ({
    value: call.vsphere.tagging.association.attachTagToMultipleObjects(tag, objectIdsField(call)),
  }),
  'detach-tag-from-multiple-objects': (call, tag) => ({
    value: call.vsphere.tagging.association.detachTagFromMultipleObjects(tag, objectIdsField(call)),
  }),
};

/** Operations on the service: `.../tag-association?action=...`. */
const ON_SERVICE: Readonly<Record<string, Run>> = {
  'list-attached-tags': (call) => ({
    value: call.vsphere.tagging.association.listAttachedTags(objectIdField(call)),
  }),
  'attach-multiple-tags-to-object': (call) => ({
    value: call.vsphere.tagging.association.attachMultipleTagsToObject(
      objectIdField(call),
      stringsField(call, 'tag_ids'),
    ),
  }),
  'detach-multiple-tags-from-object': (call) => ({
    value: call.vsphere.tagging.association.detachMultipleTagsFromObject(
      objectIdField(call),
      stringsField(call, 'tag_ids'),
    ),
  }),
  'list-attached-objects-on-tags': (call) => ({
    value: call.vsphere.tagging.association.listAttachedObjectsOnTags(stringsField(call, 'tag_ids')),
  }),
  'list-attached-tags-on-objects': (call) => ({
    value: call.vsphere.tagging.association.listAttachedTagsOnObjects(objectIdsField(call)),
  }),
  'list-attachable-tags': (call) => ({
    value: call.vsphere.tagging.association.listAttachableTags(objectIdField(call)),
  }),
};

export const associationRoutes: RouteSet = (style): Route[] => {
  const path = `${base(style)}/tag-association`;
  return [
    ...Object.entries(ON_TAG).map(
      ([action, run]): Route => ({
        method: 'POST',
        path: `${path}/:tag`,
        action,
        run: (call) => run(call, idParam(call, 'tag')),
      }),
    ),
    ...Object.entries(ON_SERVICE).map(([action, run]): Route => ({ method: 'POST', path, action, run })),
  ];
};
