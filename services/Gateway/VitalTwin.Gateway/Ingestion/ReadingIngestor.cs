using Confluent.Kafka;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Grpc.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;

namespace VitalTwin.Gateway.Ingestion;

/// <summary>
/// Validates a batch and publishes every reading: accepted ones to the telemetry topic, refused ones to
/// the rejected topic with their reason, so nothing a device sent is lost. Returns only when Kafka has
/// all of them; if it cannot, the call fails and the device resends (downstream de-duplicates by
/// device sequence number).
/// </summary>
internal sealed partial class ReadingIngestor(
    ReadingValidator validator,
    EventProducer producer,
    IOptions<KafkaTopics> topics,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    IngestionMetrics metrics,
    PipelineMetrics pipeline,
    ILogger<ReadingIngestor> logger)
{
    public async Task IngestAsync(VitalSignBatch batch, uint firstIndex, IngestAck ack, CancellationToken cancellationToken)
    {
        if (batch.Readings.Count > options.Value.MaxBatchSize)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"a batch holds at most {options.Value.MaxBatchSize} readings"));
        }
        var receivedAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow());
        var deliveries = new List<Task>(batch.Readings.Count);
        var accepted = new List<DateTimeOffset>(batch.Readings.Count);
        var rejections = new List<RejectionReason>();
        var index = firstIndex;
        foreach (var reading in batch.Readings)
        {
            var validation = validator.Validate(reading);
            var eventId = $"{reading.DeviceId}/{reading.SequenceNumber}";
            if (validation.Accepted)
            {
                ack.Accepted++;
                accepted.Add(validation.Normalised!.ObservedAt.ToDateTimeOffset());
                var recorded = new VitalSignsRecorded { EventId = eventId, Reading = validation.Normalised, ReceivedAt = receivedAt };
                deliveries.Add(producer.PublishAsync(topics.Value.Telemetry, reading.PatientId, recorded, eventId, cancellationToken));
            }
            else
            {
                ack.Rejected++;
                ack.Rejections.Add(new ReadingRejection
                {
                    Index = index,
                    DeviceId = reading.DeviceId,
                    SequenceNumber = reading.SequenceNumber,
                    Reason = validation.Reason,
                    Detail = validation.Detail,
                });
                LogRejected(logger, validation.Reason);
                rejections.Add(validation.Reason);
                var rejected = new ReadingRejected { EventId = eventId, Reading = reading, Reason = validation.Reason, Detail = validation.Detail, ReceivedAt = receivedAt };
                var key = string.IsNullOrEmpty(reading.PatientId) ? reading.DeviceId : reading.PatientId;
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
            throw new RpcException(new Status(StatusCode.Unavailable, "readings could not be stored; resend the batch"));
        }
        metrics.Accepted(accepted.Count);
        rejections.ForEach(metrics.Rejected);
        // The Gateway's part of the pipeline ends when Kafka has the reading.
        accepted.ForEach(pipeline.Processed);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, RejectionReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka did not take a batch ({Code}); the device was told to resend")]
    private static partial void LogDeliveryFailed(ILogger logger, ErrorCode code);
}
