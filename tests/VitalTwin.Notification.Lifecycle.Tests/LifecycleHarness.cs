using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Notification.Lifecycle;

namespace VitalTwin.Notification.Lifecycle.Tests;

/// <summary>The real lifecycle on a real in-memory bus, with fake time and a sink that records what it publishes.</summary>
internal sealed class LifecycleHarness : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly ServiceProvider _services;
    private readonly RecordingSink _sink = new();

    private LifecycleHarness(AlertLifecycleOptions options)
    {
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(Clock)
            .AddSingleton(Options.Create(options))
            .AddSingleton<IAlertEventSink>(_sink)
            .AddAlertLifecycle()
            .BuildServiceProvider();
    }

    public FakeTimeProvider Clock { get; }
    public AlertLifecycle Lifecycle => _services.GetRequiredService<AlertLifecycle>();
    public AlertBook Book => _services.GetRequiredService<AlertBook>();
    public TimerScheduleMessageProvider Timers => _services.GetRequiredService<TimerScheduleMessageProvider>();

    public static async Task<LifecycleHarness> StartAsync(AlertLifecycleOptions? options = null)
    {
        var harness = new LifecycleHarness(options ?? new AlertLifecycleOptions());
        await harness._services.GetRequiredService<IBusControl>().StartAsync(new CancellationTokenSource(Patience).Token);
        return harness;
    }

    public async Task<AlertRaised> RaiseAsync(AlertPriority priority, string patientId = "patient-1", DateTimeOffset? silencedUntil = null, AlertCondition condition = AlertCondition.News2High)
    {
        var raised = new AlertRaised
        {
            AlertId = Guid.NewGuid().ToString(),
            PatientId = patientId,
            Condition = condition,
            Priority = priority,
            RaisedAt = Timestamp.FromDateTimeOffset(Clock.GetUtcNow()),
            Summary = "NEWS2 7 (high risk)",
            Key = new AlertKey { Condition = condition },
            SilencedUntil = silencedUntil is { } until ? Timestamp.FromDateTimeOffset(until) : null,
        };
        var result = await Lifecycle.OpenAsync(raised, partition: 0, Timeout());
        Assert.True(result.Accepted);
        Assert.Equal(raised, await NextAsync<AlertRaised>());
        return raised;
    }

    /// <summary>The next event the lifecycle published, which must be a <typeparamref name="T"/>.</summary>
    public async Task<T> NextAsync<T>() where T : IMessage
    {
        var record = await _sink.Records.Reader.ReadAsync(Timeout());
        return Assert.IsType<T>(record.Event);
    }

    public IReadOnlyList<AlertEventRecord> Published => _sink.All;

    /// <summary>True when nothing was published beyond what the test has read.</summary>
    public bool NothingMorePublished => !_sink.Records.Reader.TryPeek(out _);

    public static CancellationToken Timeout() => new CancellationTokenSource(Patience).Token;

    public async ValueTask DisposeAsync()
    {
        await _services.GetRequiredService<IBusControl>().StopAsync(Timeout());
        await _services.DisposeAsync();
    }

    private sealed class RecordingSink : IAlertEventSink
    {
        private readonly List<AlertEventRecord> _all = [];

        public Channel<AlertEventRecord> Records { get; } = Channel.CreateUnbounded<AlertEventRecord>();

        public List<AlertEventRecord> All
        {
            get
            {
                lock (_all)
                {
                    return [.. _all];
                }
            }
        }

        public Task PublishAsync(AlertEventRecord record, CancellationToken cancellationToken)
        {
            lock (_all)
            {
                _all.Add(record);
            }
            Records.Writer.TryWrite(record);
            return Task.CompletedTask;
        }
    }
}
