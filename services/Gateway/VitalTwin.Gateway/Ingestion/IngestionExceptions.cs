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

/// <summary>
/// The consumers of the telemetry topic are too far behind to take more readings safely (see
/// <see cref="IngestionBackPressure"/>): nothing of the batch was taken, and the sender is to send it again after
/// <see cref="RetryAfter"/>. Each front door says so in its own terms.
/// </summary>
internal sealed class ConsumersBehindException(TimeSpan retryAfter)
    : Exception($"the Gateway is not taking readings for now: their consumers are behind; send them again after {retryAfter.TotalSeconds:0.#} s")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
