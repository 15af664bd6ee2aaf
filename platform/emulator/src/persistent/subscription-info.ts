import { SubscriptionInfo } from '@eventstore/db-client/generated/persistent_pb';
import { formatPosition } from './position';
import type { SubscriptionGroup } from './subscription-group';

/**
 * GetInfo and List answers, field by field as the real server fills them
 * (PersistentSubscriptionStats.GetStatistics and the gRPC Info mapping). Rates are
 * items per second since the previous measurement of the same group.
 */
export function subscriptionInfo(group: SubscriptionGroup, now: number): SubscriptionInfo {
  const { settings, source } = group;
  const elapsedMs = now - group.measuredAt;
  const sinceLast = group.totalItems - group.measuredItems;
  const perSecond = (count: number): number => (elapsedMs > 0 ? Math.trunc((count * 1000) / elapsedMs) : 0);
  const info = new SubscriptionInfo();
  info.setEventSource(source.name);
  info.setGroupName(group.groupName);
  info.setStatus(group.status);
  let totalInFlight = 0;
  for (const consumer of group.consumers.values()) {
    const connection = new SubscriptionInfo.ConnectionInfo();
    const consumerSinceLast = consumer.totalItems - consumer.lastTotalItems;
    consumer.lastTotalItems = consumer.totalItems;
    connection.setFrom(consumer.from);
    connection.setUsername(consumer.username);
    connection.setAverageItemsPerSecond(perSecond(consumerSinceLast));
    connection.setTotalItems(String(consumer.totalItems));
    connection.setCountSinceLastMeasurement(String(consumerSinceLast));
    connection.setAvailableSlots(consumer.availableSlots);
    connection.setInFlightMessages(consumer.inFlight);
    connection.setConnectionName(consumer.connectionName);
    for (const { key, value } of consumer.measurements()) {
      const measurement = new SubscriptionInfo.Measurement();
      measurement.setKey(key);
      measurement.setValue(String(value));
      connection.addObservedMeasurements(measurement);
    }
    totalInFlight += consumer.inFlight;
    info.addConnections(connection);
  }
  group.measuredAt = now;
  group.measuredItems = group.totalItems;
  info.setAveragePerSecond(perSecond(sinceLast));
  info.setTotalItems(String(group.totalItems));
  info.setCountSinceLastMeasurement(String(sinceLast));
  info.setLastCheckpointedEventPosition(
    group.lastCheckpointedPosition === undefined ? '' : formatPosition(source.kind, group.lastCheckpointedPosition),
  );
  info.setLastKnownEventPosition(
    group.lastKnownEventPosition === undefined ? '' : formatPosition(source.kind, group.lastKnownEventPosition),
  );
  info.setResolveLinkTos(settings.resolveLinkTos);
  info.setStartFrom(formatPosition(source.kind, settings.startFrom, settings.startFromPrepare));
  info.setMessageTimeoutMilliseconds(settings.messageTimeoutMs);
  info.setExtraStatistics(settings.extraStatistics);
  info.setMaxRetryCount(settings.maxRetryCount);
  info.setLiveBufferSize(settings.liveBufferSize);
  info.setBufferSize(settings.historyBufferSize);
  info.setReadBatchSize(settings.readBatchSize);
  info.setCheckPointAfterMilliseconds(settings.checkPointAfterMs);
  info.setMinCheckPointCount(settings.minCheckPointCount);
  info.setMaxCheckPointCount(settings.maxCheckPointCount);
  info.setReadBufferCount(group.buffer.readCount);
  info.setLiveBufferCount(String(group.buffer.liveCount));
  info.setRetryBufferCount(group.buffer.retryCount);
  info.setTotalInFlightMessages(totalInFlight);
  info.setOutstandingMessagesCount(group.outstanding.count);
  info.setNamedConsumerStrategy(settings.consumerStrategy);
  info.setMaxSubscriberCount(settings.maxSubscriberCount);
  info.setParkedMessageCount(String(group.parked.count));
  return info;
}
