import { EventEmitter } from 'node:events';
import { fromBinary, toBinary, type DescFile, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { ConnectRouter, ServiceImpl } from '@connectrpc/connect';
import { ReflectionService } from '@grpc/reflection';
import {
  ServerReflection,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from '@omtobe/proto/grpc/reflection/v1';

type PackageDefinition = ConstructorParameters<typeof ReflectionService>[0];

/** What the grpc-js reflection implementation registers for one method: its codec and its handler. */
interface CapturedMethod {
  requestDeserialize(bytes: Buffer): unknown;
  responseSerialize(value: unknown): Buffer;
}
type GrpcJsDuplexHandler = (call: EventEmitter & { write(value: unknown): void; end(): void }) => void;

const v1Path = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';

/**
 * Serves grpc.reflection.v1 with @grpc/reflection's implementation behind a Connect handler.
 *
 * - Descriptors: the library takes a proto-loader PackageDefinition but reads only the
 *   `fileDescriptorProtos` of its entries. We hand it the original FileDescriptorProtos that
 *   protobuf-es embeds in the generated code. Going through proto-loader instead would re-derive the
 *   files from protobufjs, merging files by package and dropping their imports, and clients such as
 *   grpcurl, which follow `dependency` names with file_by_filename, then fail to link
 *   (e.g. "unresolvable reference to google.protobuf.Timestamp").
 * - Handler: the package exports only `ReflectionService`, whose public `addToServer` accepts
 *   anything with `addService`. We capture the v1 method's codec and handler there, and bridge
 *   messages through the wire format (protobuf-es ⇄ bytes ⇄ the library's objects).
 * - Cost: built on the first reflection call, not at startup.
 */
export function reflectionRoutes(options: { files: () => Iterable<DescFile>; services: () => Iterable<DescService> }) {
  let bridge: ((request: ServerReflectionRequest) => ServerReflectionResponse) | undefined;
  const answer = (request: ServerReflectionRequest) => {
    bridge ??= createBridge([...options.files()], [...options.services()]);
    return bridge(request);
  };

  const impl: ServiceImpl<typeof ServerReflection> = {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) yield answer(request);
    },
  };
  return (router: ConnectRouter) => router.service(ServerReflection, impl);
}

function createBridge(files: DescFile[], services: DescService[]) {
  const captured = new Map<string, { codec: CapturedMethod; handler: GrpcJsDuplexHandler }>();
  const reflection = new ReflectionService(packageDefinition(files), { services: services.map((s) => s.typeName) });
  reflection.addToServer({
    addService(definition, implementation) {
      for (const [name, method] of Object.entries(definition)) {
        const handler = (implementation as Record<string, unknown>)[name] as GrpcJsDuplexHandler;
        captured.set(method.path, { codec: method as unknown as CapturedMethod, handler });
      }
    },
  });
  const v1 = captured.get(v1Path);
  if (v1 === undefined) throw new Error(`@grpc/reflection registered no ${v1Path}`);

  // The library's handler answers each 'data' event with exactly one synchronous write.
  const written: unknown[] = [];
  const call = Object.assign(new EventEmitter(), { write: (value: unknown) => void written.push(value), end: () => {} });
  v1.handler(call);

  return (request: ServerReflectionRequest): ServerReflectionResponse => {
    call.emit('data', v1.codec.requestDeserialize(Buffer.from(toBinary(ServerReflectionRequestSchema, request))));
    const response = written.shift();
    if (response === undefined) throw new Error('@grpc/reflection wrote no response');
    return fromBinary(ServerReflectionResponseSchema, v1.codec.responseSerialize(response));
  };
}

/** Every file with its imports, imports first, each once. */
function withImports(roots: Iterable<DescFile>): DescFile[] {
  const ordered = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (ordered.has(file.proto.name)) return;
    for (const dependency of file.dependencies) visit(dependency);
    ordered.set(file.proto.name, file);
  };
  for (const file of roots) visit(file);
  return [...ordered.values()];
}

function packageDefinition(files: DescFile[]): PackageDefinition {
  const fileDescriptorProtos = withImports(files).map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
  // One entry, shaped like proto-loader's message entries (each of which carries every file).
  return { descriptors: { format: 'Protocol Buffer 3 DescriptorProto', type: {}, fileDescriptorProtos } };
}
