using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace VitalTwin.Kafka;

/// <summary>
/// Spans for every Kafka hop, following OpenTelemetry's messaging conventions, with the W3C trace
/// context carried in message headers. Message keys are patient ids, so they never become span tags
/// (no <c>messaging.kafka.message.key</c>); nor do message ids (the Gateway's embed the device id) or anything
/// from the payload.
/// </summary>
public static class KafkaInstrumentation
{
    public const string ActivitySourceName = "VitalTwin.Kafka";

    internal static readonly ActivitySource Source = new(ActivitySourceName);

    // The conventions' names for the two operations; "send" replaced the older "publish".
    private const string Send = "send";
    private const string Process = "process";

    internal static Activity? StartPublish(string topic, Headers headers)
    {
        var activity = Source.StartActivity($"{Send} {topic}", ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", Send);
            activity.SetTag("messaging.operation.name", Send);
            activity.SetTag("messaging.destination.name", topic);
        }
        // Without a listener there is no span of our own, but the caller's context still travels on.
        DistributedContextPropagator.Current.Inject(
            activity ?? Activity.Current,
            headers,
            static (carrier, name, value) =>
            {
                var h = (Headers)carrier!;
                h.Remove(name);
                h.Add(name, Encoding.UTF8.GetBytes(value));
            });
        return activity;
    }

    internal static void Delivered(Activity? activity, TopicPartitionOffset position)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.destination.partition.id", position.Partition.Value.ToString(CultureInfo.InvariantCulture));
            activity.SetTag("messaging.kafka.offset", position.Offset.Value);
        }
    }

    internal static void Failed(Activity? activity, Exception error)
    {
        // The type only: an exception's message may quote what it failed on.
        activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
        activity?.SetTag("error.type", error.GetType().FullName);
    }

    /// <summary>
    /// Starts the span a consumer handles one event in, as a child of the span that published it, so the
    /// handler's own publishes (started while this one is current) continue the same trace.
    /// </summary>
    internal static Activity? StartProcess(ConsumeResult<string, byte[]> result, string groupId)
    {
        DistributedContextPropagator.Current.ExtractTraceIdAndState(
            result.Message.Headers,
            static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
            {
                values = null;
                var headers = (Headers?)carrier;
                value = headers is not null && headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
            },
            out var traceParent,
            out var traceState);
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        var activity = Source.StartActivity($"{Process} {result.Topic}", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", Process);
            activity.SetTag("messaging.operation.name", Process);
            activity.SetTag("messaging.destination.name", result.Topic);
            activity.SetTag("messaging.consumer.group.name", groupId);
            activity.SetTag("messaging.destination.partition.id", result.Partition.Value.ToString(CultureInfo.InvariantCulture));
            activity.SetTag("messaging.kafka.offset", result.Offset.Value);
        }
        return activity;
    }
}
