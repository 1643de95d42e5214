// Step 2 and 3 of drivers/wasm/build.sh: rustc's module in, the shipped .wasm.br out.
//   node finish-wasm.mjs IN.wasm OUT.wasm.br
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import binaryen from 'binaryen';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node finish-wasm.mjs IN.wasm OUT.wasm.br');
  process.exit(2);
}

const module = binaryen.readBinary(readFileSync(input));
// Allow what rustc emits, lower the post-MVP instructions, then allow only MVP + mutable
// globals so that -Oz cannot bring them back. Not `All`: the memory.copy lowering refuses to
// run while memory64 or multi-memory is on.
module.setFeatures(
  binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.SignExt |
    binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt |
    binaryen.Features.NontrappingFPToInt | binaryen.Features.ReferenceTypes |
    binaryen.Features.Multivalue,
);
module.runPasses([
  'llvm-memory-copy-fill-lowering',
  'signext-lowering',
  'llvm-nontrapping-fptoint-lowering',
]);
module.setFeatures(binaryen.Features.MVP | binaryen.Features.MutableGlobals);
binaryen.setOptimizeLevel(2);
binaryen.setShrinkLevel(2);
module.optimize();
for (let i = module.getNumExports() - 1; i >= 0; i--) {
  const info = binaryen.getExportInfo(module.getExportByIndex(i));
  if (info.kind === binaryen.ExternalGlobal) module.removeExport(info.name);
}
if (!module.validate()) {
  console.error('finish-wasm: binaryen rejects the module');
  process.exit(1);
}
const wasm = module.emitBinary();
module.dispose();

const br = brotliCompressSync(wasm, {
  params: {
    [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
    [constants.BROTLI_PARAM_SIZE_HINT]: wasm.length,
  },
});
writeFileSync(output, br);
console.log(`${output}: ${wasm.length} bytes raw, ${br.length} brotli`);
