import pg from 'pg';
import { TESS_PARSERS } from '../../storage/pg-types.js';

// Storage gives its own connections TESS's parsers and leaves pg's defaults alone; the
// tests' own raw clients read rows back the way the application's connections do.
for (const [oid, parse] of Object.entries(TESS_PARSERS)) pg.types.setTypeParser(Number(oid), parse);
