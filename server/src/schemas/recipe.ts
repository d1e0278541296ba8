import { Type, type Static } from '@sinclair/typebox';
import { IMAGE_PATH, PINNED_PACKAGE, SOURCE_PATH } from '@narrative/launcher-native/recipe';

/** An app image's recipe (see launcher-native's ImageRecipe): what `narrative app build` turns into an image. */
export const ImageRecipe = Type.Object(
  {
    suite: Type.String({ pattern: '^[a-z][a-z0-9-]{1,40}$', description: 'the Debian suite, e.g. bookworm; the building machine\'s apt sources must carry it' }),
    variant: Type.Union([Type.Literal('minbase'), Type.Literal('essential'), Type.Literal('apt'), Type.Literal('required'), Type.Literal('important'), Type.Literal('standard')], { default: 'minbase' }),
    packages: Type.Array(Type.String({ pattern: PINNED_PACKAGE.source, description: 'name=version' }), { minItems: 1, maxItems: 500, description: 'every package pinned to its exact Debian version' }),
    sourceDateEpoch: Type.Integer({ minimum: 0, maximum: 4_102_444_800, description: 'seconds since 1970: every time stamp in the image' }),
    files: Type.Record(Type.String({ pattern: SOURCE_PATH.source }), Type.String({ pattern: IMAGE_PATH.source }), {
      default: {}, description: 'app files: path in the app directory → absolute path in the image (under /app, /opt or /usr/local), made executable',
    }),
  },
  { additionalProperties: false },
);
export type ImageRecipe = Static<typeof ImageRecipe>;
