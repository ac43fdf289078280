import { Partitioners, type PartitionMetadata } from 'kafkajs';

/**
 * User ids whose events land one on each partition of a topic with `partitions` partitions, the way every
 * producer of the system places them (kafkajs' DefaultPartitioner: murmur2 of the key, as Java clients).
 * Users registered with these ids touch every partition of users.v1, hrv.v1 and calendar.v1 (all keyed by
 * user id, with the same partition count), so a consumer group that serves them all serves every partition.
 */
export function onePerPartition(prefix: string, partitions: number): string[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));
  const byPartition = new Map<number, string>();
  for (let i = 0; byPartition.size < partitions && i < 100_000; i++) {
    const id = `${prefix}-${i}`;
    const partition = partitioner({ topic: 'users.v1', partitionMetadata, message: { key: id, value: null } });
    if (!byPartition.has(partition)) byPartition.set(partition, id);
  }
  return [...byPartition.entries()].sort(([a], [b]) => a - b).map(([, id]) => id);
}
