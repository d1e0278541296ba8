import assert from 'node:assert/strict';
import { asArray, ids, types, type CrateGraph, type Entity } from './crate.js';

/**
 * Every MUST of the Workflow Run RO-Crate profiles 0.5 (Process Run Crate,
 * Workflow Run Crate, Provenance Run Crate) and of what they build on
 * (RO-Crate 1.1's root and data entities, Workflow RO-Crate 1.0's main
 * workflow), one check each, named after the requirement. A MUST about
 * something the crate does not hold (subworkflows, resource usage) has
 * nothing to check and is not listed.
 */
export interface Requirement {
  profile: string;
  name: string;
  check: (g: CrateGraph) => void;
}

const PROCESS = 'https://w3id.org/ro/wfrun/process/0.5';
const WORKFLOW = 'https://w3id.org/ro/wfrun/workflow/0.5';
const PROVENANCE = 'https://w3id.org/ro/wfrun/provenance/0.5';
const WORKFLOW_RO_CRATE = 'https://w3id.org/workflowhub/workflow-ro-crate/1.0';
const TOOL_TYPES = ['SoftwareApplication', 'SoftwareSourceCode', 'ComputationalWorkflow'];
const DATA_TYPES = ['File', 'Dataset', 'Collection', 'PropertyValue', 'Text', 'Integer', 'Float', 'Number', 'Boolean', 'DateTime', 'Date', 'Time', 'DataType'];

const isUrl = (id: string) => /^[a-z][a-z0-9+.-]*:/i.test(id);
const actions = (g: CrateGraph, type: string) => g.ofType(type);
/** The CreateActions of tool runs: those a ControlAction points to. */
const toolRuns = (g: CrateGraph) => actions(g, 'ControlAction').flatMap((c) => ids(c['object'])).map(g.entity);
const workflowRuns = (g: CrateGraph) => actions(g, 'CreateAction').filter((a) => ids(a['instrument']).includes(g.mainEntity['@id']));
const refersToCreativeWork = (g: CrateGraph, profile: string) => {
  assert.ok(ids(g.root['conformsTo']).includes(profile), `root conformsTo lacks ${profile}`);
  assert.ok(types(g.entity(profile)).includes('CreativeWork'), `${profile} is not a CreativeWork entity`);
};

export const REQUIREMENTS: Requirement[] = [
  // RO-Crate 1.1
  { profile: 'RO-Crate 1.1', name: 'the metadata descriptor MUST have @id ro-crate-metadata.json, @type CreativeWork, and about the root', check: (g) => {
    const d = g.entity('ro-crate-metadata.json');
    assert.ok(types(d).includes('CreativeWork'));
    assert.equal(ids(d['about'])[0], g.root['@id']);
  } },
  { profile: 'RO-Crate 1.1', name: 'the root data entity MUST have @type Dataset, @id, name, description, datePublished (ISO 8601) and license', check: (g) => {
    assert.ok(types(g.root).includes('Dataset'));
    for (const key of ['name', 'description', 'datePublished', 'license']) assert.ok(g.root[key], `root has no ${key}`);
    assert.match(String(g.root['datePublished']), /^\d{4}-\d{2}-\d{2}/);
  } },
  { profile: 'RO-Crate 1.1', name: 'data entities MUST be linked from the root via hasPart, directly or through a Dataset', check: (g) => {
    const reached = new Set<string>();
    const walk = (id: string) => {
      if (reached.has(id)) return;
      reached.add(id);
      if (g.has(id)) for (const part of ids(g.entity(id)['hasPart'])) walk(part);
    };
    walk(g.root['@id']);
    const local = g.metadata['@graph'].filter((e) => (types(e).includes('File') || types(e).includes('Dataset')) && e['@id'] !== './' && !isUrl(e['@id']) && !e['@id'].startsWith('#'));
    assert.ok(local.length > 0);
    for (const e of local) assert.ok(reached.has(e['@id']), `${e['@id']} is not reached through hasPart`);
  } },
  { profile: 'RO-Crate 1.1', name: 'a File with a path @id MUST be present in the crate', check: (g) => {
    for (const f of g.ofType('File').filter((e) => !isUrl(e['@id']))) assert.ok(g.files.has(decodeURIComponent(f['@id'])), `${f['@id']} is not in the zip`);
  } },

  // Workflow RO-Crate 1.0 (extended by Workflow Run Crate)
  { profile: 'Workflow RO-Crate 1.0', name: 'the crate MUST contain a data entity of type File, SoftwareSourceCode and ComputationalWorkflow as the main workflow', check: (g) => {
    for (const t of ['File', 'SoftwareSourceCode', 'ComputationalWorkflow']) assert.ok(types(g.mainEntity).includes(t), t);
    assert.ok(g.files.has(g.mainEntity['@id']), 'the main workflow file is in the crate');
    assert.ok(ids(g.root['hasPart']).includes(g.mainEntity['@id']));
  } },
  { profile: 'Workflow RO-Crate 1.0', name: 'the crate MUST refer to the main workflow via mainEntity', check: (g) => assert.deepEqual(ids(g.root['mainEntity']), [g.mainEntity['@id']]) },
  { profile: 'Workflow RO-Crate 1.0', name: 'the main workflow MUST refer to its type via programmingLanguage', check: (g) => {
    const [language] = ids(g.mainEntity['programmingLanguage']);
    assert.ok(language && types(g.entity(language)).includes('ComputerLanguage'));
  } },

  // Process Run Crate 0.5
  { profile: 'Process Run Crate 0.5', name: 'Dataset conformsTo MUST reference a CreativeWork with the versioned permalink of Process Run Crate', check: (g) => refersToCreativeWork(g, PROCESS) },
  { profile: 'Process Run Crate 0.5', name: 'SoftwareApplication @type MUST be SoftwareApplication, SoftwareSourceCode or ComputationalWorkflow', check: (g) => {
    for (const a of actions(g, 'CreateAction')) for (const tool of ids(a['instrument']).map(g.entity)) assert.ok(types(tool).some((t) => TOOL_TYPES.includes(t)), tool['@id']);
  } },
  { profile: 'Process Run Crate 0.5', name: 'SoftwareApplication @id MUST be an absolute URI, a data entity in the crate, or a local #identifier', check: (g) => {
    for (const a of actions(g, 'CreateAction')) for (const id of ids(a['instrument'])) assert.ok(isUrl(id) || id.startsWith('#') || g.files.has(id), id);
  } },
  { profile: 'Process Run Crate 0.5', name: 'CreateAction @type MUST be CreateAction (ActivateAction without result, UpdateAction in place)', check: (g) => {
    for (const a of toolRuns(g)) assert.ok(types(a).includes('CreateAction') || (types(a).includes('ActivateAction') && a['result'] === undefined) || types(a).includes('UpdateAction'), a['@id']);
  } },
  { profile: 'Process Run Crate 0.5', name: 'CreateAction @id MUST identify the execution uniquely', check: (g) => {
    const all = g.metadata['@graph'].map((e) => e['@id']);
    assert.equal(new Set(all).size, all.length, 'every @id once');
    assert.ok(actions(g, 'CreateAction').length > 1);
  } },
  { profile: 'Process Run Crate 0.5', name: 'CreateAction instrument MUST identify the executed tool', check: (g) => {
    for (const a of actions(g, 'CreateAction')) {
      assert.equal(ids(a['instrument']).length, 1, a['@id']);
      assert.ok(g.has(ids(a['instrument'])[0]!), `${a['@id']}: its instrument is described in the crate`);
    }
  } },

  // Workflow Run Crate 0.5
  { profile: 'Workflow Run Crate 0.5', name: 'Dataset conformsTo MUST be an array referencing the versioned permalink of Workflow Run Crate', check: (g) => {
    assert.ok(Array.isArray(g.root['conformsTo']));
    refersToCreativeWork(g, WORKFLOW);
    for (const p of [PROCESS, WORKFLOW_RO_CRATE]) assert.ok(ids(g.root['conformsTo']).includes(p), p);
  } },
  { profile: 'Workflow Run Crate 0.5', name: 'the crate MUST have a ComputationalWorkflow mainEntity', check: (g) => assert.ok(types(g.mainEntity).includes('ComputationalWorkflow')) },
  { profile: 'Workflow Run Crate 0.5', name: 'CreateActions of the main workflow (instrument) MUST be described as Process Run Crate says', check: (g) => {
    const runs = workflowRuns(g);
    assert.equal(runs.length, 1);
    for (const run of runs) assert.ok(types(run).includes('CreateAction') && run['@id'] && ids(run['instrument']).length === 1);
  } },
  { profile: 'Workflow Run Crate 0.5', name: 'parameter definitions MUST be FormalParameter entities referenced via input and output', check: (g) => {
    const holders = [g.mainEntity, ...g.ofType('SoftwareApplication')];
    const referenced = holders.flatMap((h) => [...ids(h['input']), ...ids(h['output'])]);
    assert.ok(referenced.length > 0);
    for (const id of referenced) assert.ok(types(g.entity(id)).includes('FormalParameter'), id);
    for (const p of g.ofType('FormalParameter')) assert.ok(referenced.includes(p['@id']), `${p['@id']} is referenced via input or output`);
  } },
  { profile: 'Workflow Run Crate 0.5', name: 'an object that fills no slot of the input interface MUST NOT refer to a FormalParameter via exampleOfWork', check: (g) => {
    for (const e of g.metadata['@graph'].filter((x) => x['exampleOfWork'] !== undefined)) {
      for (const param of ids(e['exampleOfWork'])) {
        const filled = actions(g, 'CreateAction').some((a) => {
          const tool = g.entity(ids(a['instrument'])[0]!);
          return (ids(a['object']).includes(e['@id']) && ids(tool['input']).includes(param)) || (ids(a['result']).includes(e['@id']) && ids(tool['output']).includes(param));
        });
        assert.ok(filled, `${e['@id']} names ${param} but fills no such slot of an action's tool`);
      }
    }
  } },
  { profile: 'Workflow Run Crate 0.5', name: 'FormalParameter additionalType MUST be given (File, Dataset, Collection, PropertyValue or a DataType)', check: (g) => {
    assert.ok(g.ofType('FormalParameter').length > 0);
    for (const p of g.ofType('FormalParameter')) assert.ok(asArray(p['additionalType'] as string).some((t) => DATA_TYPES.includes(t)), `${p['@id']}: ${String(p['additionalType'])}`);
  } },

  // Provenance Run Crate 0.5
  { profile: 'Provenance Run Crate 0.5', name: 'Dataset conformsTo MUST be an array referencing the versioned permalink of Provenance Run Crate', check: (g) => {
    assert.ok(Array.isArray(g.root['conformsTo']));
    refersToCreativeWork(g, PROVENANCE);
  } },
  { profile: 'Provenance Run Crate 0.5', name: 'each tool execution MUST be a CreateAction referring to the tool via instrument', check: (g) => {
    assert.ok(toolRuns(g).length > 0);
    for (const a of toolRuns(g)) assert.ok(types(a).includes('CreateAction') && types(g.entity(ids(a['instrument'])[0]!)).includes('SoftwareApplication'), a['@id']);
  } },
  { profile: 'Provenance Run Crate 0.5', name: 'the workflow MUST refer to the orchestrated tools via hasPart', check: (g) => {
    const parts = ids(g.mainEntity['hasPart']);
    for (const a of toolRuns(g)) assert.ok(parts.includes(ids(a['instrument'])[0]!), ids(a['instrument'])[0]);
    for (const s of g.ofType('HowToStep')) assert.ok(parts.includes(ids(s['workExample'])[0]!));
  } },
  { profile: 'Provenance Run Crate 0.5', name: 'ControlAction instrument MUST be the HowToStep whose execution it is', check: (g) => {
    for (const c of actions(g, 'ControlAction')) assert.ok(types(g.entity(ids(c['instrument'])[0]!)).includes('HowToStep'), c['@id']);
  } },
  { profile: 'Provenance Run Crate 0.5', name: "ControlAction object MUST be the CreateAction(s) of the step's tool run", check: (g) => {
    for (const c of actions(g, 'ControlAction')) {
      const step = g.entity(ids(c['instrument'])[0]!);
      for (const run of ids(c['object']).map(g.entity)) {
        assert.ok(types(run).includes('CreateAction'));
        assert.deepEqual(ids(run['instrument']), ids(step['workExample']), `${c['@id']}: the run is of the step's tool`);
      }
    }
  } },
  { profile: 'Provenance Run Crate 0.5', name: 'the workflow MUST reference the HowToSteps of its steps via step', check: (g) => {
    assert.ok(g.ofType('HowToStep').length > 0);
    assert.deepEqual(new Set(ids(g.mainEntity['step'])), new Set(g.ofType('HowToStep').map((s) => s['@id'])));
  } },
  { profile: 'Provenance Run Crate 0.5', name: 'HowToStep workExample MUST be the tool that implements the step', check: (g) => {
    for (const s of g.ofType('HowToStep')) assert.ok(types(g.entity(ids(s['workExample'])[0]!)).some((t) => TOOL_TYPES.includes(t)), s['@id']);
  } },
  { profile: 'Provenance Run Crate 0.5', name: 'ComputationalWorkflow @type MUST include File, SoftwareSourceCode, ComputationalWorkflow, and HowTo when step is used', check: (g) => {
    for (const t of ['File', 'SoftwareSourceCode', 'ComputationalWorkflow', 'HowTo']) assert.ok(types(g.mainEntity).includes(t), t);
  } },
  { profile: 'Provenance Run Crate 0.5', name: "HowToStep position: a step that needs another's outputs MUST have a greater position", check: (g) => {
    const stepOf = new Map(actions(g, 'ControlAction').flatMap((c) => ids(c['object']).map((run) => [run, g.entity(ids(c['instrument'])[0]!)] as const)));
    const madeBy = new Map(toolRuns(g).flatMap((a) => ids(a['result']).map((r) => [r, a['@id']] as const)));
    let pairs = 0;
    for (const a of toolRuns(g)) {
      for (const input of ids(a['object'])) {
        const upstream = madeBy.get(input);
        if (!upstream) continue;
        pairs += 1;
        assert.ok(Number(stepOf.get(a['@id'])!['position']) > Number(stepOf.get(upstream)!['position']), `${a['@id']} after ${upstream}`);
      }
    }
    assert.ok(pairs > 0, 'some step takes an earlier step\'s output');
  } },
  { profile: 'Provenance Run Crate 0.5', name: 'OrganizeAction instrument MUST be the workflow engine', check: (g) => {
    const [organize] = actions(g, 'OrganizeAction');
    assert.ok(organize);
    assert.ok(types(g.entity(ids(organize['instrument'])[0]!)).includes('SoftwareApplication'));
  } },
  { profile: 'Provenance Run Crate 0.5', name: 'OrganizeAction object MUST be the ControlActions of the step executions', check: (g) => {
    const [organize] = actions(g, 'OrganizeAction') as [Entity];
    assert.deepEqual(new Set(ids(organize['object'])), new Set(actions(g, 'ControlAction').map((c) => c['@id'])));
  } },
  { profile: 'Provenance Run Crate 0.5', name: 'OrganizeAction result MUST be the CreateAction of the workflow run', check: (g) => {
    const [organize] = actions(g, 'OrganizeAction') as [Entity];
    assert.deepEqual(ids(organize['result']), workflowRuns(g).map((r) => r['@id']));
  } },
];
