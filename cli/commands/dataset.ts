import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  checkSiteId,
  csvSeriesRows,
  DATASET_TYPES,
  DATASETS,
  type DatasetType,
  isDatasetType,
  parseInstant,
  SAMPLE_TYPES,
  type SampleType,
  sampleRows,
  samplesCsv,
} from '../../engine/datasets/index.js';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { checkTimeZone } from '../../engine/gateway/index.js';
import { type ImportResult, importDataset, listDatasets } from '../../storage/index.js';
import { wholeNumber } from '../arguments.js';
import { systemOf, withHandle } from '../handle.js';
import { readingFile } from '../input-file.js';

const invalid = (message: string) => new TessError(ErrorCode.INVALID, message);

function datasetType(value: string): DatasetType {
  if (!isDatasetType(value))
    throw invalid(`--type must be one of ${DATASET_TYPES.join(', ')}, not "${value}"`);
  return value;
}

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid(`--params must be a JSON object, e.g. '{"source": "station 7"}'`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid(`--params must be a JSON object, e.g. '{"source": "station 7"}'`);
  }
  return parsed as Record<string, unknown>;
}

function coordinate(what: string, limit: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d{1,3}(\.\d+)?$/.test(value) || !(n >= -limit && n <= limit)) {
      throw invalid(`${what} must be a number from -${limit} to ${limit}, not "${value}"`);
    }
    return n;
  };
}

/**
 * The file's bytes, counted into a progress bar on standard error while a terminal
 * watches (silent into pipes and logs). The total is the file's size: how many rows a CSV
 * holds is known only at its end.
 */
async function* withProgress(file: string, size: number): AsyncGenerator<Buffer> {
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        {
          format: `${file} [{bar}] {percentage}% {value}/{total} bytes`,
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(size, 0);
  let read = 0;
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      read += chunk.length;
      bar?.update(read);
      yield chunk;
    }
  } finally {
    bar?.stop();
  }
}

/** What an import covered, for standard error: rows, span and gaps. */
function summary(r: ImportResult): string {
  const c = r.coverage;
  const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
  const gaps = c.gaps.map((g) => `${iso(g.from)}–${iso(g.to)}`).join(', ');
  return (
    `${r.type} dataset ${r.datasetId} of site ${r.siteId}: ${c.rows} rows over [${iso(c.from)}, ${iso(c.to)})` +
    (c.gapCount
      ? `, ${c.gapCount} gap${c.gapCount > 1 ? 's' : ''}: ${gaps}${c.gapCount > c.gaps.length ? ', …' : ''}`
      : ', no gaps')
  );
}

export function registerDataset(program: Command): void {
  const site = program.command('site').description("clients' sites that datasets are of (seed 002)");
  site
    .command('add')
    .description('add a site (and its client, when the system has none of that name)')
    .requiredOption('--site <ID>', 'site id: lower-case words joined by underscores, e.g. foobar_house')
    .requiredOption('--name <NAME>', 'the site\'s name, e.g. "Foobar House"')
    .requiredOption('--client <NAME>', "the client's name")
    .option('--time-zone <ZONE>', 'IANA time zone of the site', 'UTC')
    .option('--address <TEXT>', 'postal address')
    .option('--latitude <DEG>', 'latitude, degrees', coordinate('--latitude', 90))
    .option('--longitude <DEG>', 'longitude, degrees', coordinate('--longitude', 180))
    .option('--system <NAME>', 'system of the site (default: the default system)')
    .action(
      async (opts: {
        site: string;
        name: string;
        client: string;
        timeZone: string;
        address?: string;
        latitude?: number;
        longitude?: number;
        system?: string;
      }) => {
        checkTimeZone(opts.timeZone, '--time-zone');
        const siteId = checkSiteId(opts.site, '--site');
        await withHandle(async (handle) => {
          const systemId = await systemOf(handle, opts.system);
          // One transaction: a new client is not left behind by a site that could not be added.
          const added = await handle.withTransaction(async (db) => {
            const existing = await db.clients.find({ system_id: systemId, name: opts.client });
            const client =
              existing ?? (await db.clients.add({ system_id: systemId, name: opts.client })).client_id;
            return db.site_info.add({
              site_id: siteId,
              client_id: client,
              system_id: systemId,
              name: opts.name,
              time_zone: opts.timeZone,
              ...(opts.address ? { address: opts.address } : {}),
              ...(opts.latitude !== undefined ? { latitude: opts.latitude } : {}),
              ...(opts.longitude !== undefined ? { longitude: opts.longitude } : {}),
            });
          });
          process.stdout.write(`site ${added.site_id} (${added.name}) of client ${opts.client}\n`);
        });
      },
    );

  const dataset = program
    .command('dataset')
    .description('datasets: tariffs, weather, carbon intensity… (seed 002)');
  dataset
    .command('import')
    .description(
      "import a CSV file (header: start_ts,end_ts and the type's columns) as a new dataset; prints its dataset_id. " +
        'Nothing is stored when any row is wrong: the error names the line and column',
    )
    .argument('<FILE>', 'the CSV file')
    .requiredOption('--type <TYPE>', `one of ${DATASET_TYPES.join(', ')}`, datasetType)
    .requiredOption('--site <ID>', 'the site the data is of')
    .option('--currency <CODE>', 'tariffs: the currency of the prices, e.g. USD')
    .option('--energy-unit <UNIT>', 'tariffs: the energy the prices are per (Wh, kWh, MWh, GWh)', 'MWh')
    .option('--supersedes <ID>', 'the dataset this one corrects')
    .option('--params <JSON>', 'what produced the data, kept with it (a JSON object)', jsonObject)
    .option('--system <NAME>', 'system of the site (default: the default system)')
    .action(
      async (
        file: string,
        opts: {
          type: DatasetType;
          site: string;
          currency?: string;
          energyUnit: string;
          supersedes?: string;
          params?: Record<string, unknown>;
          system?: string;
        },
      ) => {
        const size = await readingFile(file, async (f) => {
          const s = await stat(f);
          if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
          return s.size;
        });
        const metadata: Record<string, string> = {};
        if (opts.type === 'tariffs') {
          if (opts.currency) metadata['currency'] = opts.currency;
          metadata['energy_unit'] = opts.energyUnit;
        } else if (opts.currency) {
          throw invalid(`--currency is for tariffs, not ${opts.type}`);
        }
        await withHandle(async (db) => {
          const result = await importDataset(db, {
            type: opts.type,
            siteId: opts.site,
            systemId: await systemOf(db, opts.system),
            ...(opts.params ? { params: { ...opts.params, file } } : { params: { file } }),
            supersedes: opts.supersedes ?? null,
            metadata,
            rows: csvSeriesRows(DATASETS[opts.type], withProgress(file, size)),
          });
          process.stderr.write(`${summary(result)}\n`);
          process.stdout.write(`${result.datasetId}\n`);
        });
      },
    );

  dataset
    .command('sample')
    .description(
      'print a sample dataset as CSV, from the formulas README states (weather, a time-of-use tariff, ' +
        'carbon intensity, the output of 1 kWp of PV): e.g. a week of 5-minute weather',
    )
    .requiredOption('--type <TYPE>', `one of ${SAMPLE_TYPES.join(', ')}`, (v: string) => {
      if (!(SAMPLE_TYPES as readonly string[]).includes(v)) {
        throw invalid(
          `--type must be one of ${SAMPLE_TYPES.join(', ')} (samples exist for these), not "${v}"`,
        );
      }
      return v as SampleType;
    })
    .option('--from <TIME>', "the first row's start, ISO 8601 (default: the start of today, UTC)")
    .option('--days <N>', 'how many days', wholeNumber('--days', 1, 366), 7)
    .option('--step <SECONDS>', "each row's length", wholeNumber('--step', 60, 86_400), 300)
    .action((opts: { type: SampleType; from?: string; days: number; step: number }) => {
      const from =
        opts.from === undefined
          ? Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate())
          : parseInstant(opts.from, '--from');
      const rows = Math.floor((opts.days * 86_400) / opts.step);
      const columns = DATASETS[opts.type].columns.map((c) => c.name);
      process.stdout.write(
        samplesCsv(columns, sampleRows(opts.type, { from, rows, rowMs: opts.step * 1000 })),
      );
    });

  dataset
    .command('list')
    .description('list the datasets of a type, newest first')
    .requiredOption('--type <TYPE>', `one of ${DATASET_TYPES.join(', ')}`, datasetType)
    .option('--site <ID>', 'only the datasets of this site')
    .option('--system <NAME>', 'system of the sites (default: the default system)')
    .action(async (opts: { type: DatasetType; site?: string; system?: string }) => {
      await withHandle(async (db) => {
        const items = await listDatasets(db, opts.type, {
          systemId: await systemOf(db, opts.system),
          siteId: opts.site,
          limit: 1000,
        });
        for (const d of items) {
          process.stdout.write(
            [
              d.dataset_id,
              d.site_id,
              d.created_at.toISOString(),
              `${d.rows} rows`,
              `[${d.from.toISOString()}, ${d.to.toISOString()})`,
              ...(d.supersedes ? [`supersedes ${d.supersedes}`] : []),
              ...(d.superseded_by.length ? [`superseded by ${d.superseded_by.join(' ')}`] : []),
            ].join('  ') + '\n',
          );
        }
      });
    });
}
