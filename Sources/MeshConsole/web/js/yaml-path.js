// Finds the line of a field path (`spec.http[0].route[1].weight`) in YAML text, so that a
// validation issue shows at its field. Understands the block style people write resources in
// (mappings, `- ` sequences, flow values on one line, block scalars, comments, `---`); a path
// that cannot be followed to the end gives the line of its deepest part that was found.

/** Documents of the text: [{start: first line index, lines: [...]}] */
export function splitDocuments(text) {
  const lines = text.split('\n');
  const documents = [];
  let current = { start: 0, lines: [] };
  lines.forEach((line, index) => {
    if (/^---(\s|$)/.test(line) || /^\.\.\.\s*$/.test(line)) {
      if (current.lines.some((l) => l.trim() && !l.trim().startsWith('#'))) documents.push(current);
      current = { start: index + 1, lines: [] };
    } else {
      current.lines.push(line);
    }
  });
  if (current.lines.some((l) => l.trim() && !l.trim().startsWith('#'))) documents.push(current);
  return documents;
}

/** Parses one document's block structure into nodes {line, map?: Map, seq?: [], scalar?: string}. */
export function parseBlock(lines) {
  const items = [];
  lines.forEach((raw, index) => {
    const text = raw.replace(/\s+#.*$/, '').replace(/\s+$/, '');
    if (!text.trim() || text.trim().startsWith('#')) return;
    items.push({ indent: text.length - text.trimStart().length, text: text.trim(), line: index });
  });
  let position = 0;

  function parseNode(indent) {
    const first = items[position];
    if (!first || first.indent < indent) return null;
    if (first.text === '-' || first.text.startsWith('- ')) return parseSequence(first.indent);
    return parseMapping(first.indent);
  }

  function parseSequence(indent) {
    const node = { line: items[position].line, seq: [] };
    while (position < items.length && items[position].indent === indent && (items[position].text === '-' || items[position].text.startsWith('- '))) {
      const item = items[position];
      const rest = item.text.slice(1).trimStart();
      if (!rest) {
        position += 1;
        node.seq.push(parseNode(indent + 1) || { line: item.line, scalar: '' });
      } else if (isKeyLine(rest) || rest.startsWith('- ')) {
        // "- key: value" starts a mapping (or sequence) whose column is after the dash.
        items[position] = { indent: indent + (item.text.length - rest.length), text: rest, line: item.line };
        const child = parseNode(items[position].indent);
        child.line = item.line;
        node.seq.push(child);
      } else {
        position += 1;
        node.seq.push({ line: item.line, scalar: rest });
      }
    }
    return node;
  }

  function parseMapping(indent) {
    const node = { line: items[position].line, map: new Map() };
    while (position < items.length && items[position].indent === indent && isKeyLine(items[position].text)) {
      const item = items[position];
      const { key, value } = splitKey(item.text);
      position += 1;
      if (value === '' ) {
        // A nested block: more indented, or a sequence at the same indent ("key:\n- a").
        const next = items[position];
        if (next && (next.indent > indent || (next.indent === indent && next.text.startsWith('-')))) {
          const child = parseNode(next.indent);
          child.line = item.line;
          child.keyLine = item.line;
          node.map.set(key, child);
        } else {
          node.map.set(key, { line: item.line, scalar: '' });
        }
      } else {
        if (/^[|>]/.test(value)) {
          while (position < items.length && items[position].indent > indent) position += 1;
        }
        node.map.set(key, { line: item.line, scalar: value, flow: /^[[{]/.test(value) });
      }
    }
    return node;
  }

  const root = parseNode(0) || { line: 0, map: new Map() };
  return root;
}

function isKeyLine(text) {
  return /^("[^"]*"|'[^']*'|[^\s"'#\-[{][^:]*?|-[^\s][^:]*?)\s*:(\s|$)/.test(text);
}

function splitKey(text) {
  const match = /^("[^"]*"|'[^']*'|[^:]+?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!match) return { key: text, value: '' };
  return { key: match[1].replace(/^["']|["']$/g, ''), value: (match[2] || '').trim() };
}

/** 'spec.http[0].route' → ['spec', 'http', 0, 'route'] */
export function pathSegments(path) {
  const segments = [];
  for (const part of (path || '').split('.').filter(Boolean)) {
    const match = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) { segments.push(part); continue; }
    if (match[1]) segments.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** Line index (0-based, within the document) of the deepest part of `path` found. */
export function locatePath(root, path) {
  let node = root;
  let line = root.line;
  for (const segment of pathSegments(path)) {
    let next;
    if (typeof segment === 'number') next = node.seq && node.seq[segment];
    else next = node.map && node.map.get(segment);
    if (!next) break;
    node = next;
    line = next.line;
  }
  return line;
}

function scalarOf(node, path) {
  let current = node;
  for (const segment of pathSegments(path)) {
    current = current && current.map && current.map.get(segment);
  }
  return current && current.scalar !== undefined ? current.scalar.replace(/^["']|["']$/g, '') : undefined;
}

/**
 * Where an issue belongs: 1-based line in the whole text, or null.
 * issue.resource is "Kind namespace/name" or "document N".
 */
export function locateIssue(text, issue) {
  const documents = splitDocuments(text).map((doc) => ({ ...doc, root: parseBlock(doc.lines) }));
  if (!documents.length) return null;
  let target = null;
  const numbered = /^document (\d+)$/.exec(issue.resource || '');
  if (numbered) {
    target = documents[Number(numbered[1]) - 1] || null;
  } else {
    const match = /^(\S+) ([^/\s]+)\/(\S+)$/.exec(issue.resource || '');
    if (match) {
      const [, kind, namespace, name] = match;
      target = documents.find((doc) => scalarOf(doc.root, 'kind') === kind && scalarOf(doc.root, 'metadata.name') === name
        && (scalarOf(doc.root, 'metadata.namespace') || 'default') === namespace)
        || documents.find((doc) => scalarOf(doc.root, 'kind') === kind && scalarOf(doc.root, 'metadata.name') === name)
        || null;
    }
  }
  if (!target && documents.length === 1) target = documents[0];
  if (!target) return null;
  return target.start + locatePath(target.root, issue.path) + 1;
}
