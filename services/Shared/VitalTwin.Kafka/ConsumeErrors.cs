using System.Runtime.ExceptionServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace VitalTwin.Kafka;

/// <summary>
/// What every consume loop does with an error from <c>Consume</c>. librdkafka recovers from broker, network and
/// partition faults by itself and only reports them, so such an error is logged, counted, and followed by a pause
/// (growing while errors repeat) before the next poll: one failed fetch must not stop a whole service. An error no
/// retry can mend is thrown on, which ends the loop: one librdkafka calls fatal (e.g. a static member fenced by
/// another with its instance id) and a refused authentication or authorization (the client's configuration or the
/// cluster's ACLs must change first).
/// </summary>
internal sealed partial class ConsumeErrors(string consumer, TimeProvider clock, KafkaMetrics metrics, ILogger logger)
{
    private static readonly TimeSpan FirstBackOff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestBackOff = TimeSpan.FromSeconds(30);

    private int _inARow;

    public static bool IsFatal(Error error) =>
        error.IsFatal || error.Code is ErrorCode.Local_Fatal or ErrorCode.FencedInstanceId
            or ErrorCode.Local_Authentication or ErrorCode.SaslAuthenticationFailed
            or ErrorCode.TopicAuthorizationFailed or ErrorCode.GroupAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed;

    /// <summary>
    /// Logs and counts <paramref name="error"/>; rethrows it when it is fatal, otherwise waits out the back-off on the
    /// clock (a stop request ends the wait).
    /// </summary>
    public async Task RecoverAsync(KafkaException error, CancellationToken cancellationToken)
    {
        metrics.ReportConsumeError(consumer, error.Error.Code);
        if (IsFatal(error.Error))
        {
            LogFatal(logger, consumer, error.Error.Code, error.Error.Reason);
            ExceptionDispatchInfo.Throw(error);
        }
        var backOff = BackOff(++_inARow);
        LogTransient(logger, consumer, error.Error.Code, error.Error.Reason, _inARow, backOff);
        // Yields rather than going on inline: the loop blocks in Consume, and must not do so on the thread of whoever
        // moved the clock on (a timer thread, or a test advancing a fake clock).
        await Task.Delay(backOff, clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
    }

    /// <summary>A poll went through: the next error starts from the shortest back-off again.</summary>
    public void Recovered() => _inARow = 0;

    private static TimeSpan BackOff(int inARow) =>
        TimeSpan.FromTicks(Math.Min(LongestBackOff.Ticks, FirstBackOff.Ticks << Math.Min(inARow - 1, 16)));

    // The reason is librdkafka's text about the broker, topic and offset: it never quotes a record.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer {Consumer} could not read ({Code}: {Reason}); error {InARow} in a row, polling again in {BackOff}")]
    private static partial void LogTransient(ILogger logger, string consumer, ErrorCode code, string reason, int inARow, TimeSpan backOff);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Consumer {Consumer} stops for good ({Code}: {Reason}): no retry mends this error")]
    private static partial void LogFatal(ILogger logger, string consumer, ErrorCode code, string reason);
}
