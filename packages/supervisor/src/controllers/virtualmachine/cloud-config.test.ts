import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CloudConfig } from '../../api/types.js';
import { cloudConfigDocument } from './cloud-config.js';
import type { CloudConfigSecrets } from './prerequisites.js';

const NONE: CloudConfigSecrets = { users: new Map(), writeFiles: new Map() };

describe('a structured CloudConfig as user data', () => {
  it('renders users, commands, files, time zone and password authentication as #cloud-config', () => {
    const secrets: CloudConfigSecrets = {
      users: new Map([['alice', { hashedPasswd: '$6$salt$hash' }]]),
      writeFiles: new Map([['/etc/secret.conf', 'token=abc\n']]),
    };
    const doc = cloudConfigDocument(
      {
        timezone: 'Europe/Paris',
        defaultUserEnabled: true,
        users: [
          {
            name: 'alice',
            hashed_passwd: { name: 'alice-pw', key: 'hash' },
            groups: ['wheel'],
            inactive: 30,
            lock_passwd: false,
            ssh_authorized_keys: ['ssh-ed25519 AAAA alice'],
            sudo: 'ALL=(ALL) NOPASSWD:ALL',
          },
          { name: 'bob', shell: '/bin/bash', groups: [] },
        ],
        runcmd: ['echo hi', ['ls', '-l', '/']],
        write_files: [
          { path: '/etc/motd', content: 'hello\nworld\n', permissions: '0644', owner: 'root:root' },
          { path: '/etc/secret.conf', content: { name: 'files', key: 'secret' }, append: true },
          { path: '/etc/empty', defer: false },
        ],
        ssh_pwauth: false,
      },
      secrets,
    );
    expect(doc).toBe(
      [
        '## template: jinja',
        '#cloud-config',
        '',
        'runcmd:',
        '- echo hi',
        '- - ls',
        '  - -l',
        '  - /',
        'ssh_pwauth: false',
        'timezone: Europe/Paris',
        'users:',
        '- default',
        '- groups:',
        '  - wheel',
        '  hashed_passwd: $6$salt$hash',
        '  inactive: "30"',
        '  lock_passwd: false',
        '  name: alice',
        '  ssh_authorized_keys:',
        '  - ssh-ed25519 AAAA alice',
        '  sudo: ALL=(ALL) NOPASSWD:ALL',
        '- name: bob',
        '  shell: /bin/bash',
        'write_files:',
        '- content: |',
        '    hello',
        '    world',
        '  owner: root:root',
        '  path: /etc/motd',
        '  permissions: "0644"',
        '- append: true',
        '  content: |',
        '    token=abc',
        '  path: /etc/secret.conf',
        '- path: /etc/empty',
        '',
      ].join('\n'),
    );
    // What cloud-init reads (YAML 1.1).
    const read = parse(doc, { version: '1.1' });
    expect(read.users[1].inactive).toBe('30');
    expect(read.write_files[0].permissions).toBe('0644');
  });

  it('leaves out fields set to null, and fails on a command that is nothing, as vm-operator’s rendering does', () => {
    const config = { runcmd: ['ls'], ssh_pwauth: null, users: [{ name: 'bob', shell: null }] };
    expect(parse(cloudConfigDocument(config as unknown as CloudConfig, NONE))).toEqual({
      runcmd: ['ls'],
      users: [{ name: 'bob' }],
    });
    for (const command of ['', [], null])
      expect(() => cloudConfigDocument({ runcmd: ['ls', command] }, NONE)).toThrow(
        'cloud config runcmd[1] is empty',
      );
  });

  it('is empty when there is nothing to write, and leaves out the default user without users', () => {
    expect(cloudConfigDocument({}, NONE)).toBe('');
    expect(cloudConfigDocument({ defaultUserEnabled: true, runcmd: [] }, NONE)).toBe('');
  });
});
