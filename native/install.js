#!/usr/bin/env node
// `npm install` runs this: builds pysample's native addon with node-gyp on
// Linux. Elsewhere it only says so and succeeds, so pyfold, pyfilter and
// pyflamegraph still install; pysample then explains that it needs Linux.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

if (process.platform !== 'linux') {
  console.log(`pysample: native addon not built: it needs Linux (this is ${process.platform}); pyfold, pyfilter and pyflamegraph work without it`);
  process.exit(0);
}

// npm puts its own node-gyp on PATH for scripts; fall back to the copy bundled with npm.
function nodeGyp() {
  const onPath = spawnSync('node-gyp', ['--version'], { stdio: 'ignore' });
  if (onPath.status === 0) return ['node-gyp'];
  const npmCli = process.env.npm_execpath || path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  const bundled = path.join(path.dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return [process.execPath, bundled];
}

// A Node installed with its headers (distribution packages) needs no header download.
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefixes = [path.dirname(path.dirname(process.execPath)), process.config.variables.node_prefix];
  const found = prefixes.find((p) => p && fs.existsSync(path.join(p, 'include', 'node', 'node.h')));
  return found ? [`--nodedir=${found}`] : [];
}

const [cmd, ...pre] = nodeGyp();
const r = spawnSync(cmd, [...pre, 'rebuild', ...nodedirArgs()], { cwd: __dirname, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('pysample: building the native addon failed (needs a C++ compiler, make and python3; see native/README.md)');
  process.exit(r.status || 1);
}
