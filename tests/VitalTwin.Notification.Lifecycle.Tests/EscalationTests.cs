using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Notification.Lifecycle;

namespace VitalTwin.Notification.Lifecycle.Tests;

public class EscalationTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task An_unacknowledged_high_alert_escalates_along_the_chain_every_two_minutes_then_stops()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.High);

        harness.Clock.Advance(TimeSpan.FromMinutes(2) - Tick);
        Assert.True(harness.NothingMorePublished);
        harness.Clock.Advance(Tick);
        var first = await harness.NextAsync<AlertEscalated>();
        harness.Clock.Advance(TimeSpan.FromMinutes(2));
        var second = await harness.NextAsync<AlertEscalated>();
        harness.Clock.Advance(TimeSpan.FromMinutes(2));
        var third = await harness.NextAsync<AlertEscalated>();
        await SettleAsync(harness, raised);

        Assert.Equal([1, 2, 3], new[] { first, second, third }.Select(e => e.Level));
        Assert.Equal(["nurse-in-charge", "rapid-response-team", "on-call-physician"], new[] { first, second, third }.Select(e => e.EscalateTo));
        Assert.Equal(TimeSpan.FromMinutes(6), third.UnacknowledgedFor.ToTimeSpan());
        Assert.Equal(0, harness.Timers.Pending);
        Assert.Equal(AlertState.Escalated, harness.Book.Find(raised.AlertId)!.State);
        Assert.Equal(3, harness.Book.Find(raised.AlertId)!.EscalationLevel);
        Assert.Equal($"{raised.AlertId}/escalated/2", harness.Published.Single(r => r.Event == second).MessageId);
    }

    [Fact]
    public async Task A_medium_alert_escalates_after_ten_minutes()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        await harness.RaiseAsync(AlertPriority.Medium);

        harness.Clock.Advance(TimeSpan.FromMinutes(10) - Tick);
        Assert.True(harness.NothingMorePublished);
        harness.Clock.Advance(Tick);

        Assert.Equal(1, (await harness.NextAsync<AlertEscalated>()).Level);
    }

    [Fact]
    public async Task A_low_alert_never_escalates_by_default()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.Low);
        await SettleAsync(harness, raised);

        Assert.Equal(0, harness.Timers.Pending);
    }

    [Fact]
    public async Task Escalation_times_per_priority_are_configurable()
    {
        await using var harness = await LifecycleHarness.StartAsync(new AlertLifecycleOptions { EscalateLowAfter = TimeSpan.FromMinutes(30), EscalationChain = ["charge-nurse"] });
        var raised = await harness.RaiseAsync(AlertPriority.Low);

        harness.Clock.Advance(TimeSpan.FromMinutes(30));
        var escalated = await harness.NextAsync<AlertEscalated>();
        await SettleAsync(harness, raised);

        Assert.Equal("charge-nurse", escalated.EscalateTo);
        Assert.Equal(0, harness.Timers.Pending);
    }

    [Fact]
    public async Task Acknowledging_records_who_and_when_and_cancels_escalation()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.High);
        harness.Clock.Advance(TimeSpan.FromMinutes(1));

        var result = await harness.Lifecycle.AcknowledgeAsync(Guid.Parse(raised.AlertId), "nurse-42", "at the bedside", LifecycleHarness.Timeout());
        var acknowledged = await harness.NextAsync<AlertAcknowledged>();
        harness.Clock.Advance(TimeSpan.FromHours(1));
        await SettleAsync(harness, raised);

        Assert.True(result.Accepted);
        Assert.Equal("nurse-42", acknowledged.AcknowledgedBy);
        Assert.Equal("at the bedside", acknowledged.Note);
        Assert.Equal(harness.Clock.GetUtcNow() - TimeSpan.FromHours(1), acknowledged.AcknowledgedAt.ToDateTimeOffset());
        Assert.Equal(0, harness.Timers.Pending);
        Assert.True(harness.NothingMorePublished);
        Assert.Equal(AlertState.Acknowledged, harness.Book.Find(raised.AlertId)!.State);
    }

    [Fact]
    public async Task Acknowledging_an_escalated_alert_stops_further_escalation()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.High);
        harness.Clock.Advance(TimeSpan.FromMinutes(2));
        await harness.NextAsync<AlertEscalated>();

        await harness.Lifecycle.AcknowledgeAsync(Guid.Parse(raised.AlertId), "nurse-42", null, LifecycleHarness.Timeout());
        await harness.NextAsync<AlertAcknowledged>();
        harness.Clock.Advance(TimeSpan.FromMinutes(10));
        await SettleAsync(harness, raised);

        Assert.True(harness.NothingMorePublished);
    }

    [Fact]
    public async Task Acknowledging_twice_is_refused_and_publishes_nothing()
    {
        await using var harness = await LifecycleHarness.StartAsync();
        var raised = await harness.RaiseAsync(AlertPriority.High);
        await harness.Lifecycle.AcknowledgeAsync(Guid.Parse(raised.AlertId), "nurse-42", null, LifecycleHarness.Timeout());
        await harness.NextAsync<AlertAcknowledged>();

        var again = await harness.Lifecycle.AcknowledgeAsync(Guid.Parse(raised.AlertId), "nurse-7", null, LifecycleHarness.Timeout());

        Assert.Equal(AlertActionOutcome.NotAllowed, again.Outcome);
        Assert.Contains("already acknowledged", again.Refusal, StringComparison.Ordinal);
        Assert.True(harness.NothingMorePublished);
    }

    /// <summary>A request to the same alert is handled after everything sent to it before, so the saga is at rest when it returns.</summary>
    internal static async Task SettleAsync(LifecycleHarness harness, AlertRaised raised) =>
        Assert.True((await harness.Lifecycle.OpenAsync(raised, 0, LifecycleHarness.Timeout())).Accepted);
}
