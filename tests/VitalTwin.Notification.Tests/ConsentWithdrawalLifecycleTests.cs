using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Notification.Lifecycle;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Notification.Tests;

/// <summary>The lifecycle's side of a withdrawal, on its real in-memory bus with fake time: an alert is resolved for consent once at most.</summary>
public sealed class ConsentWithdrawalLifecycleTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly RecordingSink _sink = new();
    private readonly ServiceProvider _services;

    public ConsentWithdrawalLifecycleTests() =>
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero)))
            .AddSingleton(Options.Create(new AlertLifecycleOptions()))
            .AddSingleton<IAlertEventSink>(_sink)
            .AddAlertLifecycle()
            .BuildServiceProvider();

    private AlertLifecycle Lifecycle => _services.GetRequiredService<AlertLifecycle>();

    private AlertBook Book => _services.GetRequiredService<AlertBook>();

    [Fact]
    public async Task An_alert_whose_condition_cleared_a_moment_before_is_not_resolved_again_for_consent()
    {
        var raised = await RaiseAsync();
        await Lifecycle.ClearAsync(Guid.Parse(raised.AlertId), supersededBy: null, Timeout());

        var result = await Lifecycle.WithdrawAsync(Book.Find(raised.AlertId)!, partition: 0, Timeout());

        Assert.Equal(AlertActionOutcome.NotFound, result.Outcome);
        Assert.Equal([Resolution.ConditionCleared], _sink.Resolutions(raised.AlertId));
    }

    [Fact]
    public async Task A_withdrawal_resolves_a_running_alert_once_and_a_repeated_one_finds_nothing()
    {
        var raised = await RaiseAsync();
        var open = Book.Find(raised.AlertId)!;

        var first = await Lifecycle.WithdrawAsync(open, partition: 0, Timeout());
        var again = await Lifecycle.WithdrawAsync(open, partition: 0, Timeout());

        Assert.Equal((AlertActionOutcome.Accepted, AlertActionOutcome.NotFound), (first.Outcome, again.Outcome));
        Assert.Equal([Resolution.ConsentWithdrawn], _sink.Resolutions(raised.AlertId));
        Assert.Equal(0, _services.GetRequiredService<TimerScheduleMessageProvider>().Pending);
    }

    private async Task<AlertRaised> RaiseAsync()
    {
        var raised = new AlertRaised
        {
            AlertId = Guid.NewGuid().ToString(),
            PatientId = "patient-1",
            Condition = AlertCondition.News2High,
            Priority = AlertPriority.High,
            RaisedAt = Timestamp.FromDateTimeOffset(_services.GetRequiredService<TimeProvider>().GetUtcNow()),
            Key = new AlertKey { Condition = AlertCondition.News2High },
        };
        Assert.True((await Lifecycle.OpenAsync(raised, partition: 0, Timeout())).Accepted);
        return raised;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(Patience).Token;

    public Task InitializeAsync() => _services.GetRequiredService<IBusControl>().StartAsync(Timeout());

    public async Task DisposeAsync()
    {
        await _services.GetRequiredService<IBusControl>().StopAsync(Timeout());
        await _services.DisposeAsync();
    }

    private sealed class RecordingSink : IAlertEventSink
    {
        private readonly List<AlertEventRecord> _published = [];

        public IReadOnlyList<Resolution> Resolutions(string alertId)
        {
            lock (_published)
            {
                return [.. _published.Where(r => r.AlertId == alertId).Select(r => r.Event).OfType<AlertResolved>().Select(r => r.Resolution)];
            }
        }

        public Task PublishAsync(AlertEventRecord record, CancellationToken cancellationToken)
        {
            lock (_published)
            {
                _published.Add(record);
            }
            return Task.CompletedTask;
        }
    }
}
