using Confluent.Kafka;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Devices;
using VitalTwin.Kafka;

namespace VitalTwin.Gateway.Ingestion;

/// <summary>
/// Validates a batch and publishes every reading: accepted ones to the telemetry topic, refused ones to
/// the rejected topic with their reason, so nothing a device sent is lost. Returns only when Kafka has
/// all of them; if it cannot, the call fails and the device resends. A reading Kafka already has (same
/// device, boot and sequence number) is acknowledged again without a second copy; see <see cref="DeliveredReadings"/>.
/// A reading over its device's rate limit is refused on the acknowledgement only, not published: the device
/// still has it and resends it later, and a flood must not become a flood of copies on the rejected topic.
/// While the telemetry topic's consumers are too far behind, a batch is refused whole before anything of it is
/// taken (<see cref="IngestionBackPressure"/>), rather than stored and then dropped by retention unread.
/// This is the ingestion core every front door (gRPC, MQTT, FHIR, HL7 v2) hands its readings to, after authenticating
/// the <see cref="Sender"/> and translating its payload; it knows no transport.
/// </summary>
internal sealed partial class ReadingIngestor(
    ReadingValidator validator,
    DeviceCredentials credentials,
    DeliveredReadings delivered,
    DeviceRateLimiter rateLimiter,
    IngestionBackPressure backPressure,
    IOptions<DeviceRateLimitOptions> rateLimit,
    EventProducer producer,
    IOptions<KafkaTopics> topics,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    IngestionMetrics metrics,
    PipelineMetrics pipeline,
    ILogger<ReadingIngestor> logger)
{
    // Flags a rejected reading keeps when it is too large to keep whole; there are six kinds.
    private const int KeptQualityFlags = 8;

    /// <summary>
    /// Takes one batch from <paramref name="sender"/>, numbering its readings on <paramref name="ack"/> from
    /// <paramref name="firstIndex"/>; returns once Kafka has every reading it publishes.
    /// </summary>
    /// <param name="sender">Who authenticated the call: a reading of a device it may not send for is refused on the ack only.</param>
    /// <exception cref="BatchTooLargeException">The batch holds more than <see cref="GatewayOptions.MaxBatchSize"/> readings; nothing was taken.</exception>
    /// <exception cref="ReadingsNotStoredException">Kafka did not take them all; the sender should resend the batch.</exception>
    /// <exception cref="ConsumersBehindException">The telemetry topic's consumers are too far behind; nothing was taken.</exception>
    public async Task IngestAsync(IReadOnlyList<VitalSignReading> batch, Sender sender, uint firstIndex, IngestAck ack, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (batch.Count > limits.MaxBatchSize)
        {
            throw new BatchTooLargeException(limits.MaxBatchSize);
        }
        backPressure.ThrowIfRefusing(batch.Count);
        var receivedAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow());
        var deliveries = new List<Task>(batch.Count);
        var stored = new List<Task<TopicPartitionOffset>>(batch.Count);
        var published = new List<VitalSignReading>(batch.Count);
        var inBatch = new HashSet<(string DeviceId, ulong BootId, ulong SequenceNumber)>();
        var rejections = new List<RejectionReason>();
        var index = firstIndex;
        var duplicates = 0;
        var rateLimited = 0;
        foreach (var reading in batch)
        {
            // Not published, not even as rejected: it came from another sender than the device it names, or one that
            // may no longer send for it.
            if (credentials.MaySend(sender, reading.DeviceId) is not DeviceStanding.Allowed and var standing)
            {
                ack.Rejected++;
                ack.Rejections.Add(NotTheSender(reading, index, limits, sender, standing));
                rejections.Add(RejectionReason.DeviceMismatch);
                index++;
                continue;
            }
            var validation = validator.Validate(reading);
            var duplicate = validation.Accepted
                && (delivered.Contains(reading.DeviceId, reading.BootId, reading.SequenceNumber) || inBatch.Contains((reading.DeviceId, reading.BootId, reading.SequenceNumber)));
            // What would be written to Kafka costs a token: new readings and refused ones, which would otherwise
            // flood the rejected topic. A resend of a stored reading is acknowledged again at no cost.
            if (!duplicate && !rateLimiter.TryTake(Cut(reading.DeviceId, limits.MaxIdLength)))
            {
                ack.Rejected++;
                ack.Rejections.Add(OverLimit(reading, index, limits));
                rejections.Add(RejectionReason.RateLimited);
                rateLimited++;
                index++;
                continue;
            }
            if (validation.Accepted)
            {
                ack.Accepted++;
                if (duplicate)
                {
                    duplicates++;
                    index++;
                    continue;
                }
                inBatch.Add((reading.DeviceId, reading.BootId, reading.SequenceNumber));
                var eventId = EventId(reading.DeviceId, reading.BootId, reading.SequenceNumber);
                published.Add(validation.Normalised!);
                var recorded = new VitalSignsRecorded { EventId = eventId, Reading = validation.Normalised, ReceivedAt = receivedAt };
                var delivery = producer.PublishAsync(topics.Value.Telemetry, reading.PatientId, recorded, eventId, cancellationToken);
                deliveries.Add(delivery);
                stored.Add(delivery);
            }
            else if (!validation.Storable)
            {
                // Consent forbids keeping anything of the patient: the device is told why, nothing is published.
                ack.Rejected++;
                ack.Rejections.Add(new ReadingRejection { Index = index, DeviceId = Cut(reading.DeviceId, limits.MaxIdLength), SequenceNumber = reading.SequenceNumber, Reason = validation.Reason, Detail = validation.Detail });
                LogRejected(logger, validation.Reason);
                rejections.Add(validation.Reason);
            }
            else
            {
                var kept = Keepable(reading, limits);
                var deviceId = Cut(kept.DeviceId, limits.MaxIdLength);
                var eventId = EventId(deviceId, kept.BootId, kept.SequenceNumber);
                ack.Rejected++;
                ack.Rejections.Add(new ReadingRejection
                {
                    Index = index,
                    DeviceId = deviceId,
                    SequenceNumber = kept.SequenceNumber,
                    Reason = validation.Reason,
                    Detail = validation.Detail,
                });
                LogRejected(logger, validation.Reason);
                rejections.Add(validation.Reason);
                var rejected = new ReadingRejected { EventId = eventId, Reading = kept, Reason = validation.Reason, Detail = validation.Detail, ReceivedAt = receivedAt };
                var key = Cut(string.IsNullOrEmpty(kept.PatientId) ? kept.DeviceId : kept.PatientId, limits.MaxIdLength);
                deliveries.Add(producer.PublishAsync(topics.Value.TelemetryRejected, key, rejected, eventId, cancellationToken));
            }
            index++;
        }

        try
        {
            await Task.WhenAll(deliveries);
        }
        catch (ProduceException<string, byte[]> ex)
        {
            LogDeliveryFailed(logger, ex.Error.Code);
            throw new ReadingsNotStoredException(ex);
        }
        foreach (var delivery in stored)
        {
            backPressure.Stored(await delivery);
        }
        foreach (var reading in published)
        {
            delivered.Add(reading.DeviceId, reading.BootId, reading.SequenceNumber);
        }
        if (duplicates > 0)
        {
            LogDuplicates(logger, duplicates);
        }
        if (rateLimited > 0)
        {
            LogRateLimited(logger, rateLimited);
        }
        metrics.Accepted(published.Count);
        rejections.ForEach(metrics.Rejected);
        // The Gateway's part of the pipeline ends when Kafka has the reading.
        published.ForEach(reading => pipeline.Processed(reading.ObservedAt.ToDateTimeOffset()));
    }

    /// <summary>
    /// Names the reading, and through it the anomalies and alerts derived from it: the boot keeps a restarted device's
    /// ids from repeating those of its previous boot. A device without a boot id keeps the ids it always had.
    /// </summary>
    internal static string EventId(string deviceId, ulong bootId, ulong sequenceNumber) =>
        bootId == 0 ? $"{deviceId}/{sequenceNumber}" : $"{deviceId}/{bootId:x16}/{sequenceNumber}";

    /// <summary>
    /// A reading over its device's rate limit, refused on the acknowledgement only: the device still has it and
    /// resends it later, so it is not copied to the rejected topic.
    /// </summary>
    private ReadingRejection OverLimit(VitalSignReading reading, uint index, GatewayOptions limits) => new()
    {
        Index = index,
        DeviceId = Cut(reading.DeviceId, limits.MaxIdLength),
        SequenceNumber = reading.SequenceNumber,
        Reason = RejectionReason.RateLimited,
        Detail = $"device is over {rateLimit.Value.ReadingsPerSecond} readings a second; resend later",
    };

    private static ReadingRejection NotTheSender(VitalSignReading reading, uint index, GatewayOptions limits, Sender sender, DeviceStanding standing) => new()
    {
        Index = index,
        DeviceId = Cut(reading.DeviceId, limits.MaxIdLength),
        SequenceNumber = reading.SequenceNumber,
        Reason = RejectionReason.DeviceMismatch,
        Detail = (sender.IsDevice, standing) switch
        {
            (true, DeviceStanding.WrongCredential) => "the reading names another device than the one that authenticated the call",
            (_, DeviceStanding.Revoked) => "the device is revoked",
            (_, DeviceStanding.Unknown) => "the device is not registered",
            _ => "the device is not registered to the system that sent the reading",
        },
    };

    /// <summary>
    /// The reading as received, unless it is larger than <see cref="GatewayOptions.MaxReadingBytes"/>: then its
    /// strings are cut to <see cref="GatewayOptions.MaxIdLength"/> and its extra flags and unknown fields dropped,
    /// so that its record on the rejected topic stays small. (Keys and acknowledgements cut ids in any case.)
    /// </summary>
    private static VitalSignReading Keepable(VitalSignReading reading, GatewayOptions limits)
    {
        if (reading.CalculateSize() <= limits.MaxReadingBytes)
        {
            return reading;
        }
        var kept = new VitalSignReading
        {
            PatientId = Cut(reading.PatientId, limits.MaxIdLength),
            DeviceId = Cut(reading.DeviceId, limits.MaxIdLength),
            SequenceNumber = reading.SequenceNumber,
            BootId = reading.BootId,
            ObservedAt = reading.ObservedAt is { } at ? new Timestamp { Seconds = at.Seconds, Nanos = at.Nanos } : null,
            Code = reading.Code is { } code ? new VitalCode { Loinc = Cut(code.Loinc, limits.MaxIdLength), Mdc = Cut(code.Mdc, limits.MaxIdLength) } : null,
            Value = reading.Value,
            Unit = Cut(reading.Unit, limits.MaxIdLength),
        };
        kept.QualityFlags.Add(reading.QualityFlags.Take(KeptQualityFlags));
        return kept;
    }

    private static string Cut(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }
        // Never half a surrogate pair: it would not encode.
        return text[..(char.IsHighSurrogate(text[length - 1]) ? length - 1 : length)];
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, RejectionReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} readings Kafka already had were acknowledged without being stored again")]
    private static partial void LogDuplicates(ILogger logger, int count);

    // Debug, like other refusals: a flooding device would otherwise flood the log; the rejects metric counts them.
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} readings over their device's rate limit were refused")]
    private static partial void LogRateLimited(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka did not take a batch ({Code}); the device was told to resend")]
    private static partial void LogDeliveryFailed(ILogger logger, ErrorCode code);
}
