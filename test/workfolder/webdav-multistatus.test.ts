import { parseMultistatus } from '../../src/workfolder/webdav-multistatus.js';

const base = new URL('https://hq.example/dav/stores/CH01/download/');

test('reads an Apache-style answer: lp1 prefixes, absolute hrefs, encoded names, quota, a 404 propstat', () => {
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<D:multistatus xmlns:D="DAV:" xmlns:ns0="DAV:">
  <D:response xmlns:lp1="DAV:">
    <D:href>https://hq.example/dav/stores/CH01/download/</D:href>
    <D:propstat>
      <D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype><D:quota-available-bytes>123456789</D:quota-available-bytes></D:prop>
      <D:status>HTTP/1.1 200 OK</D:status>
    </D:propstat>
    <D:propstat><D:prop><lp1:getcontentlength/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>
  </D:response>
  <D:response xmlns:lp1="DAV:">
    <D:href>/dav/stores/CH01/download/0001%20price%20&amp;%20stock.pkg</D:href>
    <D:propstat>
      <D:prop>
        <lp1:resourcetype/>
        <lp1:getcontentlength>2048</lp1:getcontentlength>
        <lp1:getlastmodified>Fri, 27 Nov 2026 15:53:07 GMT</lp1:getlastmodified>
        <lp1:getetag>W/"800-5f2a"</lp1:getetag>
      </D:prop>
      <D:status>HTTP/1.1 200 OK</D:status>
    </D:propstat>
  </D:response>
</D:multistatus>`;

  expect(parseMultistatus(xml, base)).toEqual([
    {
      segments: ['dav', 'stores', 'CH01', 'download'],
      isCollection: true,
      size: undefined,
      modifiedAt: undefined,
      quotaAvailableBytes: 123456789,
      etag: undefined,
    },
    {
      segments: ['dav', 'stores', 'CH01', 'download', '0001 price & stock.pkg'],
      isCollection: false,
      size: 2048,
      modifiedAt: new Date('2026-11-27T15:53:07Z'),
      quotaAvailableBytes: undefined,
      etag: 'W/"800-5f2a"',
    },
  ]);
});

test('reads an answer in the default namespace (no prefix), relative to the request URL', () => {
  const xml = `<multistatus xmlns="DAV:"><response><href>a.pkg</href><propstat><prop>
    <resourcetype></resourcetype><getcontentlength>7</getcontentlength></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`;

  expect(parseMultistatus(xml, base)).toMatchObject([
    { segments: ['dav', 'stores', 'CH01', 'download', 'a.pkg'], isCollection: false, size: 7 },
  ]);
});

test('an answer that is not a multistatus is E_FOLDER_IO', () => {
  expect(() => parseMultistatus('<html><body>Login</body></html>', base)).toThrow(expect.objectContaining({ code: 'E_FOLDER_IO' }));
});

test('a malformed href is E_FOLDER_IO, not a stray URIError', () => {
  const xml = '<D:multistatus xmlns:D="DAV:"><D:response><D:href>/dav/%E0%A4%A</D:href></D:response></D:multistatus>';
  expect(() => parseMultistatus(xml, base)).toThrow(expect.objectContaining({ code: 'E_FOLDER_IO' }));
});

test('nonsense property values are left out rather than trusted: a bad date, a negative or huge size, an unquoted etag', () => {
  const xml = `<multistatus xmlns="DAV:"><response><href>a.pkg</href><propstat><prop><resourcetype/>
    <getcontentlength>-5</getcontentlength><getlastmodified>yesterday-ish</getlastmodified><getetag>abc123</getetag>
    <quota-available-bytes>99999999999999999999999</quota-available-bytes></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`;

  expect(parseMultistatus(xml, base)).toEqual([
    {
      segments: ['dav', 'stores', 'CH01', 'download', 'a.pkg'],
      isCollection: false,
      size: undefined,
      modifiedAt: undefined,
      quotaAvailableBytes: undefined,
      etag: '"abc123"',
    },
  ]);
});
