using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Kafka.Tests;

/// <summary>What the consumer saw of one event, including the span it was handled in.</summary>
internal sealed record HandledEvent(
    string Topic,
    string Key,
    string? Schema,
    string? MessageId,
    VitalSignsRecorded Payload,
    ActivityTraceId? TraceId,
    ActivitySpanId? ParentSpanId,
    ActivityKind? Kind);

/// <summary>Shared between a test and its host's consumer: events handled, and which message ids the handler refuses.</summary>
internal sealed class HandlerScript
{
    public Channel<HandledEvent> Handled { get; } = Channel.CreateUnbounded<HandledEvent>();

    public HashSet<string> FailingMessageIds { get; } = [];

    public async Task<List<HandledEvent>> WaitForAsync(int count)
    {
        var handled = new List<HandledEvent>();
        using var deadline = new CancellationTokenSource(Clients.Timeout);
        try
        {
            while (handled.Count < count)
            {
                handled.Add(await Handled.Reader.ReadAsync(deadline.Token));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{handled.Count} of {count} events handled within {Clients.Timeout}.");
        }
        return handled;
    }
}

internal sealed class RecordingConsumer(
    EventConsumerContext context,
    ILogger<RecordingConsumer> logger,
    HandlerScript script)
    : EventConsumer(context, logger)
{
    protected override Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken)
    {
        if (consumed.MessageId is { } id && script.FailingMessageIds.Contains(id))
        {
            throw new InvalidOperationException("This handler refuses the event.");
        }
        var activity = Activity.Current;
        script.Handled.Writer.TryWrite(new HandledEvent(
            consumed.Topic,
            consumed.Key,
            consumed.Schema,
            consumed.MessageId,
            consumed.Parse(VitalSignsRecorded.Parser),
            activity?.TraceId,
            activity?.ParentSpanId,
            activity?.Kind));
        return Task.CompletedTask;
    }
}
