/**
 * Tagging categories and tags (cis.tagging.category, cis.tagging.tag), each endpoint one
 * operation of the model's `tagging` namespace:
 *
 * - `/api/cis/tagging/category` (GET list, POST create: the bare spec, 201 with the id),
 *   `/api/cis/tagging/category/{id}` (GET, PATCH 204, DELETE 204); the same for `tag`, and
 *   `POST /api/cis/tagging/tag?action=list-tags-for-category` with `{"category_id"}`.
 * - `/rest/com/vmware/cis/tagging/category` (POST `{"create_spec"}`, GET), `.../category/id:{id}`
 *   (GET, PATCH `{"update_spec"}`, DELETE); the same for `tag`, and `list-tags-for-category`
 *   on `.../tag/id:{category}` (govmomi's path) or on `.../tag` with `{"category_id"}`.
 *
 * Duplicate names are `already_exists`, bad specs `invalid_argument`, unknown ids `not_found`:
 * the model's faults through the facade's error table.
 */
import type { CategoryCreateSpec, CategoryUpdateSpec, TagCreateSpec, TagUpdateSpec } from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import { base, idParam, specOf, stringField } from './args.js';
import { associationRoutes } from './associations.js';

const createCategory = (call: Call) => {
  const spec = specOf(call, 'create_spec', [
    'name',
    'description',
    'cardinality',
    'associable_types',
  ]) as unknown as CategoryCreateSpec;
  return { value: call.vsphere.tagging.category.create(spec), created: true };
};

const updateCategory = (call: Call) => {
  const spec = specOf(call, 'update_spec') as CategoryUpdateSpec;
  call.vsphere.tagging.category.update(idParam(call, 'category'), spec);
  return {};
};

const createTag = (call: Call) => {
  const spec = specOf(call, 'create_spec', ['name', 'description', 'category_id']);
  if (typeof spec.category_id !== 'string') {
    throw restError('invalid_argument', "The tag's create spec must name its category in 'category_id'.");
  }
  return { value: call.vsphere.tagging.tag.create(spec as unknown as TagCreateSpec), created: true };
};

const updateTag = (call: Call) => {
  const spec = specOf(call, 'update_spec') as TagUpdateSpec;
  call.vsphere.tagging.tag.update(idParam(call, 'tag'), spec);
  return {};
};

const LIST_FOR_CATEGORY = 'list-tags-for-category';

const tagsForCategory = (categoryId: string) => (call: Call) => ({
  value: call.vsphere.tagging.tag.listTagsForCategory(categoryId),
});

const categoryAndTagRoutes: RouteSet = (style): Route[] => {
  const category = `${base(style)}/category`;
  const tag = `${base(style)}/tag`;
  return [
    { method: 'GET', path: category, run: (call) => ({ value: call.vsphere.tagging.category.list() }) },
    { method: 'POST', path: category, run: createCategory },
    {
      method: 'GET',
      path: `${category}/:category`,
      run: (call) => ({ value: call.vsphere.tagging.category.get(idParam(call, 'category')) }),
    },
    { method: 'PATCH', path: `${category}/:category`, run: updateCategory },
    {
      method: 'DELETE',
      path: `${category}/:category`,
      run: (call) => {
        call.vsphere.tagging.category.delete(idParam(call, 'category'));
        return {};
      },
    },
    { method: 'GET', path: tag, run: (call) => ({ value: call.vsphere.tagging.tag.list() }) },
    { method: 'POST', path: tag, run: createTag },
    {
      method: 'POST',
      path: tag,
      action: LIST_FOR_CATEGORY,
      run: (call) => tagsForCategory(stringField(call, 'category_id'))(call),
    },
    {
      method: 'GET',
      path: `${tag}/:tag`,
      run: (call) => ({ value: call.vsphere.tagging.tag.get(idParam(call, 'tag')) }),
    },
    { method: 'PATCH', path: `${tag}/:tag`, run: updateTag },
    {
      method: 'DELETE',
      path: `${tag}/:tag`,
      run: (call) => {
        call.vsphere.tagging.tag.delete(idParam(call, 'tag'));
        return {};
      },
    },
    ...(style === 'rest'
      ? [
          {
            method: 'POST',
            path: `${tag}/:tag`,
            action: LIST_FOR_CATEGORY,
            run: (call) => tagsForCategory(idParam(call, 'tag'))(call),
          } satisfies Route,
        ]
      : []),
  ];
};

/** Every tagging endpoint: categories, tags and tag associations. */
export const taggingRoutes: RouteSet = (style) => [
  ...categoryAndTagRoutes(style),
  ...associationRoutes(style),
];
