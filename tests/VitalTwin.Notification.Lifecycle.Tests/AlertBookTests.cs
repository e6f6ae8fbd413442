using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Notification.Lifecycle.Tests;

public class AlertBookTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly AlertBook _book;

    public AlertBookTests() => _book = new AlertBook(_clock, Options.Create(new AlertLifecycleOptions { KeepResolvedFor = TimeSpan.FromHours(1) }));

    [Fact]
    public void Lists_newest_first_in_pages_that_cover_every_alert_once()
    {
        var ids = Enumerable.Range(0, 7).Select(i => Raise("patient-1", minutesAgo: i)).ToList();

        var seen = new List<string>();
        string? token = null;
        do
        {
            var (page, next) = _book.List(null, pageSize: 3, token);
            seen.AddRange(page.Select(v => v.AlertId));
            token = next;
        }
        while (token.Length > 0);

        Assert.Equal(ids, seen);
    }

    [Fact]
    public void Filters_by_patient_state_and_minimum_priority_and_hides_resolved_by_default()
    {
        var high = Raise("patient-1", priority: AlertPriority.High);
        var low = Raise("patient-1", priority: AlertPriority.Low, condition: AlertCondition.VitalStale);
        var other = Raise("patient-2", priority: AlertPriority.High);
        _book.Apply(new AlertResolved { AlertId = other, PatientId = "patient-2", Resolution = Resolution.ConditionCleared, ResolvedAt = Now() }, 0);

        Assert.Equal(new[] { high, low }.Order(), Ids(new AlertFilter { PatientId = "patient-1" }).Order());
        Assert.Equal([high], Ids(new AlertFilter { MinPriority = AlertPriority.Medium }));
        Assert.Equal([other], Ids(new AlertFilter { States = { AlertState.Resolved } }));
    }

    [Fact]
    public void A_silence_covers_its_own_key_only_and_only_until_it_ends()
    {
        var alertId = Raise("patient-1", condition: AlertCondition.VitalSpike, direction: Direction.Up);
        var up = Key(AlertCondition.VitalSpike, Direction.Up);
        _book.Apply(new AlertSilenced { AlertId = alertId, PatientId = "patient-1", Key = up, SilencedAt = Now(), Until = Timestamp.FromDateTimeOffset(_clock.GetUtcNow().AddMinutes(10)) }, 0);

        Assert.Equal(_clock.GetUtcNow().AddMinutes(10), _book.SilencedUntil("patient-1", up));
        Assert.Null(_book.SilencedUntil("patient-1", Key(AlertCondition.VitalSpike, Direction.Down)));
        Assert.Null(_book.SilencedUntil("patient-2", up));
        Assert.Equal(AlertState.Silenced, _book.Find(alertId)!.State);

        _clock.Advance(TimeSpan.FromMinutes(10));

        Assert.Null(_book.SilencedUntil("patient-1", up));
        Assert.Equal(AlertState.Notified, _book.Find(alertId)!.State);
    }

    [Fact]
    public void One_open_alert_per_key_is_known_until_it_resolves()
    {
        var alertId = Raise("patient-1");
        var key = Key(AlertCondition.News2High);

        Assert.Equal(alertId, _book.OpenAlertId("patient-1", key));
        _book.Apply(new AlertResolved { AlertId = alertId, PatientId = "patient-1", ResolvedAt = Now() }, 0);

        Assert.Null(_book.OpenAlertId("patient-1", key));
        Assert.True(_book.Contains(alertId));
    }

    [Fact]
    public void Resolved_alerts_are_kept_for_the_configured_time_then_forgotten()
    {
        var alertId = Raise("patient-1");
        _book.Apply(new AlertResolved { AlertId = alertId, PatientId = "patient-1", ResolvedAt = Now() }, 0);

        _clock.Advance(TimeSpan.FromMinutes(59));
        _book.Prune();
        Assert.True(_book.Contains(alertId));
        _clock.Advance(TimeSpan.FromMinutes(2));
        _book.Prune();
        Assert.False(_book.Contains(alertId));
    }

    [Fact]
    public void Open_alerts_are_found_and_dropped_by_partition()
    {
        var inZero = Raise("patient-1", partition: 0);
        var inOne = Raise("patient-2", partition: 1);

        Assert.Equal([inOne], _book.OpenIn(new HashSet<int> { 1 }).Select(o => o.View.AlertId));
        _book.Drop(new HashSet<int> { 1 });

        Assert.False(_book.Contains(inOne));
        Assert.True(_book.Contains(inZero));
        Assert.Null(_book.OpenAlertId("patient-2", Key(AlertCondition.News2High)));
    }

    [Fact]
    public async Task A_watch_sends_what_matches_now_then_each_change()
    {
        var first = Raise("patient-1");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = _book.Watch(new AlertFilter { PatientId = "patient-1" }, stop.Token).GetAsyncEnumerator(stop.Token);

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(first, watch.Current.AlertId);
        Raise("patient-2");
        _book.Apply(new AlertAcknowledged { AlertId = first, PatientId = "patient-1", AcknowledgedBy = "nurse-1", AcknowledgedAt = Now() }, 0);

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((first, AlertState.Acknowledged), (watch.Current.AlertId, watch.Current.State));
    }

    [Fact]
    public async Task A_watch_limited_to_a_ward_is_told_once_that_an_alert_moved_off_it_and_sent_it_again_when_it_moves_back()
    {
        var alertId = Raise("patient-1");
        _book.Apply(new AlertMoved { AlertId = alertId, PatientId = "patient-1", Ward = "ward-a", MovedAt = Now() }, 0);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = _book.Watch(null, v => v.Ward == "ward-a", stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await watch.MoveNextAsync());
        var first = watch.Current;

        _book.Apply(new AlertMoved { AlertId = alertId, PatientId = "patient-1", Ward = "ward-b", PreviousWard = "ward-a", MovedAt = Now() }, 0);
        Assert.True(await watch.MoveNextAsync());
        var left = watch.Current;
        // Changes while it is away are not sent: the next thing the watch sends is the alert back on its ward.
        _book.Apply(new AlertAcknowledged { AlertId = alertId, PatientId = "patient-1", AcknowledgedBy = "nurse-b", AcknowledgedAt = Now() }, 0);
        _book.Apply(new AlertMoved { AlertId = alertId, PatientId = "patient-1", Ward = "ward-a", PreviousWard = "ward-b", MovedAt = Now() }, 0);
        Assert.True(await watch.MoveNextAsync());
        var back = watch.Current;

        Assert.Equal((alertId, "ward-a"), (first.AlertId, first.Ward));
        Assert.Equal(new AlertView { AlertId = alertId, PatientId = "patient-1" }, left);
        Assert.Equal((alertId, "ward-a", AlertState.Acknowledged), (back.AlertId, back.Ward, back.State));
    }

    [Fact]
    public async Task A_watch_ends_when_the_book_drops_partitions_for_it_cannot_follow_their_alerts_elsewhere()
    {
        var alertId = Raise("patient-1", partition: 1);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = _book.Watch(null, stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await watch.MoveNextAsync());
        var sent = watch.Current.AlertId;

        _book.Drop(new HashSet<int> { 1 });

        Assert.False(await watch.MoveNextAsync());
        Assert.Equal(alertId, sent);
    }

    [Fact]
    public void A_page_token_names_a_position_in_the_order_so_another_book_continues_from_it()
    {
        var ids = Enumerable.Range(0, 4).Select(i => Raise("patient-1", minutesAgo: i)).ToList();
        var (_, token) = _book.List(null, pageSize: 2, null);
        var other = new AlertBook(_clock, Options.Create(new AlertLifecycleOptions()));
        other.Apply(_book.Find(ids[0])!.Raised, 0);
        other.Apply(_book.Find(ids[3])!.Raised, 0);

        var (page, next) = other.List(null, pageSize: 2, token);

        Assert.Equal([ids[3]], page.Select(v => v.AlertId));
        Assert.Empty(next);
        Assert.Equal(token, AlertBook.PageTokenAfter(_book.Find(ids[1])!));
    }

    [Fact]
    public void A_page_token_it_did_not_issue_is_refused()
    {
        Assert.Throws<FormatException>(() => _book.List(null, 10, "garbage"));
    }

    private string Raise(string patientId, AlertPriority priority = AlertPriority.High, AlertCondition condition = AlertCondition.News2High, Direction direction = Direction.Unspecified, int minutesAgo = 0, int partition = 0)
    {
        var alertId = Guid.NewGuid().ToString();
        _book.Apply(new AlertRaised
        {
            AlertId = alertId,
            PatientId = patientId,
            Priority = priority,
            Condition = condition,
            Key = Key(condition, direction),
            RaisedAt = Timestamp.FromDateTimeOffset(_clock.GetUtcNow().AddMinutes(-minutesAgo)),
        }, partition);
        return alertId;
    }

    private static AlertKey Key(AlertCondition condition, Direction direction = Direction.Unspecified) => new()
    {
        Condition = condition,
        Code = condition is AlertCondition.VitalSpike ? new VitalCode { Loinc = "8867-4" } : null,
        Direction = direction,
    };

    private IEnumerable<string> Ids(AlertFilter filter) => _book.List(filter, 100, null).Page.Select(v => v.AlertId);

    private Timestamp Now() => Timestamp.FromDateTimeOffset(_clock.GetUtcNow());
}
