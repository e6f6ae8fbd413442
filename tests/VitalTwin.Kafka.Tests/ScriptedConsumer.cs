using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// What a test wants its consumer to do: record every message id it handles, refuse some, and hold one in flight
/// until the test lets it go (or the consumer cancels it), so a test can stop a host with an event mid-handling.
/// </summary>
internal sealed class ConsumerScript
{
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _heldFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> Handled { get; } = new();

    public HashSet<string> Refused { get; } = [];

    /// <summary>The message id the handler stops at until <see cref="Release"/>; null holds nothing.</summary>
    public string? HoldAt { get; init; }

    /// <summary>Signalled when the handler starts holding <see cref="HoldAt"/>.</summary>
    public Task Holding => _holding.Task;

    /// <summary>Whether the held event's cancellation token had been cancelled when its handler ended.</summary>
    public Task<bool> HeldFinished => _heldFinished.Task;

    public void Release() => _release.TrySetResult();

    public async Task HandleAsync(string messageId, CancellationToken cancellationToken)
    {
        if (Refused.Contains(messageId))
        {
            throw new InvalidOperationException("This handler refuses the event.");
        }
        if (messageId == HoldAt)
        {
            _holding.TrySetResult();
            try
            {
                await _release.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                _heldFinished.TrySetResult(cancellationToken.IsCancellationRequested);
            }
        }
        Handled.Enqueue(messageId);
    }

    /// <summary>Waits until every id in <paramref name="expected"/> was handled at least once.</summary>
    public async Task WaitForAllAsync(IReadOnlyCollection<string> expected, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (!expected.All(Handled.Contains))
            {
                await poll.WaitForNextTickAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{expected.Count(Handled.Contains)} of {expected.Count} events handled within {timeout}.");
        }
    }
}

internal sealed class ScriptedConsumer(
    EventConsumerContext context,
    ILogger<ScriptedConsumer> logger,
    ConsumerScript script)
    : EventConsumer(context, logger)
{
    protected override Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken) =>
        script.HandleAsync(consumed.MessageId ?? throw new InvalidOperationException("An event without a message id."), cancellationToken);
}

/// <summary>A host running one <see cref="ScriptedConsumer"/> against the embedded cluster.</summary>
internal static class ScriptedHost
{
    public static async Task<IHost> StartAsync(string bootstrapServers, KafkaTopics topics, string groupId, ConsumerScript script, ITestOutputHelper output)
    {
        var host = Build(bootstrapServers, topics, groupId, script, output);
        await host.StartAsync(CancellationToken.None);
        await host.Services.GetRequiredService<ScriptedConsumer>().Assigned.WaitAsync(Clients.Timeout);
        return host;
    }

    /// <summary>The host, not started yet, so a test can listen to its metrics from the first event on; <paramref name="log"/> gets its lines too.</summary>
    public static IHost Build(string bootstrapServers, KafkaTopics topics, string groupId, ConsumerScript script, ITestOutputHelper output, ILoggerProvider? log = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.Kafka.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = bootstrapServers,
            ["Kafka:GroupId"] = groupId,
            // The mock keeps a member that joins after the last one left waiting for the session timeout (less 1 s);
            // much shorter, and librdkafka's 3-s heartbeats would let sessions lapse.
            ["Kafka:SessionTimeout"] = "00:00:06",
            ["Kafka:Topics:Telemetry"] = topics.Telemetry,
            ["Kafka:Topics:DeadLetter"] = topics.DeadLetter,
        });
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output));
        if (log is not null)
        {
            builder.Logging.AddProvider(log);
        }
        builder.Services.AddSingleton(script).AddKafka().AddEventConsumer<ScriptedConsumer>(topics => topics.Telemetry);
        return builder.Build();
    }

    /// <summary>Publishes events with the given message ids, keyed round-robin over a few patients, as an outside producer.</summary>
    public static async Task PublishAsync(string bootstrapServers, string topic, IEnumerable<string> messageIds, CancellationToken cancellationToken)
    {
        using var producer = new ProducerBuilder<string, byte[]>(Clients.IdempotentProducer(bootstrapServers)).Build();
        var sent = new List<Task>();
        var index = 0;
        foreach (var id in messageIds)
        {
            var headers = new Headers { { EventHeaders.MessageId, Encoding.UTF8.GetBytes(id) } };
            sent.Add(producer.ProduceAsync(topic, new Message<string, byte[]> { Key = $"patient-{index++ % 7}", Value = [], Headers = headers }, cancellationToken));
        }
        await Task.WhenAll(sent);
    }
}
