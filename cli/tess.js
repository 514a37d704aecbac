#!/usr/bin/env node
// The `tess` command. TESS runs its TypeScript sources directly: tsx compiles each
// module on first load, so there is no build step between a clone and a running market.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
