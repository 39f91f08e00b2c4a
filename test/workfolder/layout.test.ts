import { parsePackageFileName } from '../../src/package/file-name.js';
import { channelFolders, statusReportBytes, statusReportPath } from '../../src/workfolder/layout.js';
import { folderPath } from '../../src/workfolder/paths.js';

test('a channel has its download area, with applied, canceled and status beneath it, and its upload area', () => {
  expect(channelFolders('STORE-042')).toEqual({
    download: 'STORE-042/download',
    applied: 'STORE-042/download/applied',
    canceled: 'STORE-042/download/canceled',
    status: 'STORE-042/download/status',
    upload: 'STORE-042/upload',
  });
});

test('every layout path passes the working-folder path gate', () => {
  const folders = channelFolders('CH01');
  for (const dir of Object.values(folders)) expect(folderPath(dir, 'dir').length).toBeGreaterThan(1);
  expect(folderPath(statusReportPath(folders, 'CH01_download_000000000007.acpkg'), 'file')).toEqual([
    'CH01',
    'download',
    'status',
    'CH01_download_000000000007.acpkg.json',
  ]);
});

test('a status report is never mistaken for a package', () => {
  const report = statusReportPath(channelFolders('CH01'), 'CH01_download_000000000007.acpkg');
  expect(parsePackageFileName(report.split('/').pop() ?? '')).toBeUndefined();
});

test('a channel id that could leave its area is refused with E_FOLDER_PATH', () => {
  for (const bad of ['', '..', 'a/b', '.hidden', 'a b', 'x'.repeat(65)]) {
    expect(() => channelFolders(bad)).toThrow(expect.objectContaining({ code: 'E_FOLDER_PATH' }));
  }
});

test('a status report is UTF-8 JSON with a final newline', () => {
  const bytes = statusReportBytes({
    package: 'CH01_download_000000000007.acpkg',
    channelId: 'CH01',
    sequence: 7,
    status: 'ApplyFailed',
    tries: 2,
    message: 'table "price" has no column "currency"',
    rowsAffected: {},
    updatedAt: '2026-11-27T16:00:00.000Z',
  });
  expect(bytes.toString('utf8').endsWith('}\n')).toBe(true);
  expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ sequence: 7, status: 'ApplyFailed', tries: 2 });
});
