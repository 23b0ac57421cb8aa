import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_RECENT_PROJECTS, projectName, UserDataStore } from '../../../src/main/handlers/user-data';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'camscope-userdata-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('UserDataStore', () => {
  it('settings: defaults, updates, and garbage falls back to defaults', () => {
    const dir = path.join(tmp, 's');
    const store = new UserDataStore(dir);
    expect(store.settings()).toEqual({ theme: 'system', provider: 'cpu', precision: 'fp32' });
    store.updateSettings({ provider: 'cuda' });
    expect(new UserDataStore(dir).settings()).toEqual({ theme: 'system', provider: 'cuda', precision: 'fp32' });
    store.updateSettings({ precision: 'fp16' });
    expect(new UserDataStore(dir).settings()).toEqual({ theme: 'system', provider: 'cuda', precision: 'fp16' });
    fs.writeFileSync(path.join(dir, 'settings.json'), '{"theme":"neon"}');
    expect(store.settings()).toEqual({ theme: 'system', provider: 'cpu', precision: 'fp32' });
    fs.writeFileSync(path.join(dir, 'settings.json'), '{"precision":"fp64"}');
    expect(store.settings().precision).toBe('fp32');
    fs.writeFileSync(path.join(dir, 'settings.json'), 'not json');
    expect(store.settings().theme).toBe('system');
  });

  it('recent projects: most recent first, no duplicates, capped, missing files flagged', () => {
    const store = new UserDataStore(path.join(tmp, 'r'));
    const file = (n: number) => path.join(tmp, `p${n}.camscope`);
    fs.writeFileSync(file(1), '');
    store.touchRecent(file(1), new Date('2026-01-01'));
    store.touchRecent(file(2), new Date('2026-01-02'));
    store.touchRecent(file(1), new Date('2026-01-03'));
    const list = store.recentProjects();
    expect(list.map((r) => r.name)).toEqual(['p1', 'p2']);
    expect(list[0]).toEqual({ path: file(1), name: 'p1', opened: '2026-01-03T00:00:00.000Z', exists: true });
    expect(list[1].exists).toBe(false);
    expect(store.isRecent(file(2))).toBe(true);
    for (let i = 3; i < 20; i++) store.touchRecent(file(i));
    expect(store.recentProjects()).toHaveLength(MAX_RECENT_PROJECTS);
    store.removeRecent(file(19));
    expect(store.isRecent(file(19))).toBe(false);
    store.clearRecent();
    expect(store.recentProjects()).toEqual([]);
  });

  it('matches recent paths without case on macOS and Windows', () => {
    const store = new UserDataStore(path.join(tmp, 'mac'), 'darwin');
    store.touchRecent('/Users/Me/Study.camscope');
    expect(store.isRecent('/users/me/study.CAMSCOPE')).toBe(true);
  });

  it('names projects by their file name', () => {
    expect(projectName('/a/b/Study 1.camscope')).toBe('Study 1');
    expect(projectName('C:/x/old.sqlite')).toBe('old');
  });
});
