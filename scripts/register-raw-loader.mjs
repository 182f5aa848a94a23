// `node --import ./scripts/register-raw-loader.mjs …` installs the `?raw` loader (see raw-loader.mjs).
import { register } from 'node:module';

register('./raw-loader.mjs', import.meta.url);
