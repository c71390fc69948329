/**
 * A structured `spec.bootstrap.cloudInit.cloudConfig` as the `#cloud-config` user data
 * vm-operator renders from it: its users (passwords from their Secrets), `runcmd`,
 * `write_files` (contents inline or from Secrets), `timezone` and `ssh_pwauth`.
 */

import { writeFileContent } from '../../api/cloud-config.js';
import type { CloudConfig, User, WriteFile } from '../../api/types.js';
import type { CloudConfigSecrets } from './prerequisites.js';
import { toYaml, type YamlValue } from './yaml.js';

/** The fields of a user copied as they are, when set. */
const USER_FIELDS = [
  'create_groups',
  'expiredate',
  'gecos',
  'homedir',
  'lock_passwd',
  'no_create_home',
  'no_log_init',
  'no_user_group',
  'primary_group',
  'selinux_user',
  'shell',
  'snapuser',
  'ssh_redirect_user',
  'sudo',
  'system',
  'uid',
] as const;
/** Lists of a user, copied when not empty. */
const USER_LISTS = ['groups', 'ssh_authorized_keys', 'ssh_import_id'] as const;

function userOf(user: User, secrets: CloudConfigSecrets): YamlValue {
  const out: Record<string, YamlValue> = { name: user.name };
  for (const field of USER_FIELDS) {
    const value = user[field];
    if (value != null) out[field] = value;
  }
  for (const field of USER_LISTS) {
    const list = user[field];
    if (list?.length) out[field] = list;
  }
  // cloud-init takes days of inactivity as a string.
  if (user.inactive != null) out.inactive = String(user.inactive);
  const passwords = secrets.users.get(user.name);
  if (passwords?.hashedPasswd) out.hashed_passwd = passwords.hashedPasswd;
  if (passwords?.passwd) out.passwd = passwords.passwd;
  return out;
}

function writeFileOf(file: WriteFile, secrets: CloudConfigSecrets): YamlValue {
  const out: Record<string, YamlValue> = { path: file.path };
  const where = writeFileContent(file);
  const content = secrets.writeFiles.get(file.path) || (where && 'inline' in where ? where.inline : '');
  if (content) out.content = content;
  if (file.append) out.append = true;
  if (file.defer) out.defer = true;
  if (file.encoding) out.encoding = file.encoding;
  if (file.owner) out.owner = file.owner;
  if (file.permissions) out.permissions = file.permissions;
  return out;
}

/** The `#cloud-config` document, or '' when the CloudConfig holds nothing to write. */
export function cloudConfigDocument(config: CloudConfig, secrets: CloudConfigSecrets): string {
  const out: Record<string, YamlValue> = {};
  if (config.timezone) out.timezone = config.timezone;
  if (config.users?.length)
    out.users = [
      ...(config.defaultUserEnabled ? ['default'] : []),
      ...config.users.map((user) => userOf(user, secrets)),
    ];
  // The webhook lets only strings and lists of strings in (and null, which reads as "").
  const runcmd = Array.isArray(config.runcmd) ? (config.runcmd as (string | string[] | null)[]) : [];
  runcmd.forEach((command, i) => {
    // vm-operator's rendering fails on a command that is nothing: its reconcile then fails.
    if (!command?.length) throw new Error(`cloud config runcmd[${i}] is empty`);
  });
  if (runcmd.length) out.runcmd = runcmd as YamlValue[];
  if (config.write_files?.length)
    out.write_files = config.write_files.map((file) => writeFileOf(file, secrets));
  if (config.ssh_pwauth != null) out.ssh_pwauth = config.ssh_pwauth;
  const yaml = toYaml(out);
  return yaml === '{}\n' ? '' : `## template: jinja\n#cloud-config\n\n${yaml}`;
}
