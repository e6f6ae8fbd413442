#!/usr/bin/env bash
# Creates VitalTwin's topics on a Kafka cluster, or brings the settings of existing ones up to date; safe to
# run again. Runs where Kafka's command-line tools are (the apache/kafka image has them in /opt/kafka/bin).
#   KAFKA_BOOTSTRAP_SERVERS       host:port,...                    (required)
#   VITALTWIN_PARTITIONS          partitions of every patient-keyed topic (default 6)
#   VITALTWIN_REPLICATION_FACTOR  replicas of every topic (default 1: one broker)
# Every topic keyed by patient id has the same partition count, so that one consumer instance owns all of a
# patient's events. Partition counts are set at creation only: adding partitions later moves patients between
# partitions, which the services' per-partition state does not follow, so it is a planned migration, not a rerun.
set -euo pipefail

: "${KAFKA_BOOTSTRAP_SERVERS:?set KAFKA_BOOTSTRAP_SERVERS to the brokers, host:port,...}"
partitions="${VITALTWIN_PARTITIONS:-6}"
replication="${VITALTWIN_REPLICATION_FACTOR:-1}"
bin="${KAFKA_BIN:-/opt/kafka/bin}"

# topic NAME PARTITIONS CONFIG... : create NAME if it is missing, then apply CONFIG (key=value) to it.
topic() {
  local name=$1 count=$2
  shift 2
  local create=() setting settings
  for setting in "$@"; do create+=(--config "$setting"); done
  "$bin/kafka-topics.sh" --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --create --if-not-exists \
    --topic "$name" --partitions "$count" --replication-factor "$replication" "${create[@]}"
  settings=$(IFS=,; echo "$*")
  "$bin/kafka-configs.sh" --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --alter \
    --entity-type topics --entity-name "$name" --add-config "$settings"
}

# Retention: raw telemetry a week, rejects two weeks, clinical events (anomalies, twin events, alerts) and dead
# letters 30 days; the audit trail six years. Twins, detector state, device bindings and consent are compacted: the
# latest record per key is the state. Kafka compacts only closed segments (closed after 7 days by default), so an
# erased patient's last snapshot would stay readable that long: a segment closes within an hour, a replaced record
# is compacted away within a day, and a tombstone (the key alone) is dropped a day later.
compacted=(cleanup.policy=compact segment.ms=3600000 max.compaction.lag.ms=86400000 delete.retention.ms=86400000)
topic vitaltwin.telemetry.v1 "$partitions" cleanup.policy=delete retention.ms=604800000
topic vitaltwin.telemetry.rejected.v1 "$partitions" cleanup.policy=delete retention.ms=1209600000
topic vitaltwin.anomalies.v1 "$partitions" cleanup.policy=delete retention.ms=2592000000
topic vitaltwin.twins.v1 "$partitions" "${compacted[@]}"
topic vitaltwin.twin-events.v1 "$partitions" cleanup.policy=delete retention.ms=2592000000
topic vitaltwin.alerts.v1 "$partitions" cleanup.policy=delete retention.ms=2592000000
topic vitaltwin.anomaly-detection.state.v1 "$partitions" "${compacted[@]}"
topic vitaltwin.devices.v1 "$partitions" "${compacted[@]}"
topic vitaltwin.consent.v1 "$partitions" "${compacted[@]}"
topic vitaltwin.audit.v1 "$partitions" cleanup.policy=delete retention.ms=189216000000
topic vitaltwin.members.v1 1 "${compacted[@]}"
topic vitaltwin.patient-commands.v1 "$partitions" cleanup.policy=delete retention.ms=189216000000
topic vitaltwin.patient-settings.v1 "$partitions" "${compacted[@]}"
topic vitaltwin.deadletter.v1 1 cleanup.policy=delete retention.ms=2592000000
