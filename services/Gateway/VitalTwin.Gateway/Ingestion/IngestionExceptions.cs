namespace VitalTwin.Gateway.Ingestion;

/// <summary>A batch larger than <see cref="GatewayOptions.MaxBatchSize"/>: refused whole and unread; each front door says so in its own terms.</summary>
internal sealed class BatchTooLargeException(int maxBatchSize)
    : Exception($"a batch holds at most {maxBatchSize} readings")
{
    public int MaxBatchSize { get; } = maxBatchSize;
}

/// <summary>
/// Kafka did not take every reading of a batch, so none is acknowledged: the sender keeps the batch and sends it
/// again, and the readings Kafka did take are recognised as duplicates then.
/// </summary>
internal sealed class ReadingsNotStoredException(Exception inner)
    : Exception("readings could not be stored; resend the batch", inner);
