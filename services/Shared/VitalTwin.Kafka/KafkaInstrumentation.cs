using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace VitalTwin.Kafka;

/// <summary>
/// Spans for every Kafka hop, following OpenTelemetry's messaging conventions, with the W3C trace
/// context carried in message headers. Message keys are patient ids, so they never become span tags.
/// </summary>
public static class KafkaInstrumentation
{
    public const string ActivitySourceName = "VitalTwin.Kafka";

    internal static readonly ActivitySource Source = new(ActivitySourceName);

    internal static Activity? StartPublish(string topic, Headers headers)
    {
        var activity = Source.StartActivity($"{topic} publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", topic);
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

    internal static Activity? StartProcess(ConsumeResult<string, byte[]> result, string groupId)
    {
        DistributedContextPropagator.Current.ExtractTraceIdAndState(
            result.Message.Headers,
            static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
            {
                values = null;
                value = ((Headers)carrier!).TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
            },
            out var traceParent,
            out var traceState);
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        var activity = Source.StartActivity($"{result.Topic} process", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", result.Topic);
        activity?.SetTag("messaging.consumer.group.name", groupId);
        activity?.SetTag("messaging.destination.partition.id", result.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity?.SetTag("messaging.kafka.offset", result.Offset.Value);
        return activity;
    }
}
