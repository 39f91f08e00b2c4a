/**
 * The shape of a profile HQ publishes for many stores: the local profile's `profile`,
 * `schedule`, `download` and `upload` sections, never the paths, credentials or channel id
 * that only a store's own file can know. Built from the same section schemas as schema.ts.
 */
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AsyncServerProfileSchema, PublishedDownloadSchema, ScheduleSchema, UploadSchema } from '../schema.js';
import { expecting } from '../schema-kit.js';

/** The sections HQ may set, in the order they are merged and shown. */
export const HQ_SECTIONS = ['profile', 'schedule', 'download', 'upload'] as const;

export const PublishedProfileSchema = Type.Object(
  {
    profile: AsyncServerProfileSchema,
    schedule: ScheduleSchema,
    download: PublishedDownloadSchema,
    upload: UploadSchema,
  },
  {
    additionalProperties: false,
    ...expecting('a map of the sections profile, schedule, download and upload'),
    title: 'Published async-client profile',
    description: 'A profile HQ publishes under profiles/ in the working folder for the stores assigned to it.',
  },
);

export const compiledPublishedProfileSchema = TypeCompiler.Compile(PublishedProfileSchema);

/** The fields a store may mark as its own (`storeOverrides`): each section, and each field of a section. */
export const OVERRIDABLE_FIELDS: readonly string[] = [
  ...HQ_SECTIONS,
  ...HQ_SECTIONS.flatMap((section) =>
    Object.keys(PublishedProfileSchema.properties[section].properties).map((field) => `${section}.${field}`),
  ),
];

/** Sections and fields of a store's own file that a published profile may not hold, and why. */
export const STORE_ONLY_FIELDS: Readonly<Record<string, string>> = {
  channel: 'the channel id',
  workingFolder: 'a path or a credential',
  stateDirectory: 'a path',
  log: 'a setting of the store machine',
  daemon: 'a setting of the store machine',
  storeOverrides: "the store's own choice",
  'download.publicKey': "the path of the key that checks HQ's signatures",
};
