using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Notification.Lifecycle;

/// <summary>
/// Every alert of the partitions this instance owns, folded from the alert events: what the desk lists and
/// watches, what a restart rebuilds from the alerts topic, and the silences in force per patient and key.
/// Live and rebuilt state come from the same <see cref="Apply"/>, so they cannot disagree.
/// </summary>
public sealed class AlertBook(TimeProvider clock, IOptions<AlertLifecycleOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry> _alerts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string PatientId, string Key), string> _open = new();
    private readonly ConcurrentDictionary<(string PatientId, string Key), DateTimeOffset> _silences = new();
    private readonly ConcurrentDictionary<Watcher, byte> _watchers = new();

    private sealed record Entry(AlertView View, int Partition);

    /// <summary>The canonical text of a key: condition, vital (LOINC) and direction.</summary>
    public static string KeyOf(AlertKey? key) =>
        key is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"{key.Condition}/{key.Code?.Loinc}/{key.Direction}");

    public void Apply(IMessage alertEvent, int partition)
    {
        ArgumentNullException.ThrowIfNull(alertEvent);
        string alertId;
        switch (alertEvent)
        {
            case AlertRaised raised:
                alertId = raised.AlertId;
                var view = new AlertView
                {
                    AlertId = raised.AlertId,
                    PatientId = raised.PatientId,
                    State = raised.SilencedUntil is null ? AlertState.Notified : AlertState.Silenced,
                    Raised = raised,
                    SilencedUntil = raised.SilencedUntil,
                    UpdatedAt = raised.RaisedAt,
                    Ward = raised.Ward,
                };
                if (!_alerts.TryAdd(alertId, new Entry(view, partition)))
                {
                    return;
                }
                _open[(raised.PatientId, KeyOf(raised.Key))] = alertId;
                break;
            case AlertEscalated escalated:
                alertId = escalated.AlertId;
                Update(alertId, v =>
                {
                    v.EscalationLevel = escalated.Level;
                    v.State = AlertState.Escalated;
                    v.UpdatedAt = escalated.EscalatedAt;
                });
                break;
            case AlertAcknowledged acknowledged:
                alertId = acknowledged.AlertId;
                Update(alertId, v =>
                {
                    v.State = AlertState.Acknowledged;
                    v.AcknowledgedBy = acknowledged.AcknowledgedBy;
                    v.AcknowledgedAt = acknowledged.AcknowledgedAt;
                    v.UpdatedAt = acknowledged.AcknowledgedAt;
                });
                break;
            case AlertSilenced silenced:
                alertId = silenced.AlertId;
                Update(alertId, v =>
                {
                    if (v.State != AlertState.Acknowledged)
                    {
                        v.State = AlertState.Silenced;
                    }
                    v.SilencedBy = silenced.SilencedBy;
                    v.SilencedUntil = silenced.Until;
                    v.UpdatedAt = silenced.SilencedAt;
                });
                _silences.AddOrUpdate(
                    (silenced.PatientId, KeyOf(silenced.Key)),
                    silenced.Until.ToDateTimeOffset(),
                    (_, existing) => Max(existing, silenced.Until.ToDateTimeOffset()));
                break;
            case AlertResolved resolved:
                alertId = resolved.AlertId;
                Update(alertId, v =>
                {
                    v.State = AlertState.Resolved;
                    v.Resolution = resolved.Resolution;
                    v.ResolvedBy = resolved.ResolvedBy;
                    v.ResolvedAt = resolved.ResolvedAt;
                    v.UpdatedAt = resolved.ResolvedAt;
                });
                if (_alerts.TryGetValue(alertId, out var entry))
                {
                    ForgetOpen(alertId, entry);
                }
                break;
            case AlertMoved moved:
                alertId = moved.AlertId;
                Update(alertId, v =>
                {
                    v.Ward = moved.Ward;
                    v.UpdatedAt = moved.MovedAt;
                });
                break;
            default:
                // Record types added to the contract later are not ours to interpret.
                return;
        }
        Notify(alertId);
    }

    /// <summary>Tells watchers that an alert's presented state changed without an event (a silence ran out).</summary>
    public void Touch(string alertId) => Notify(alertId);

    public bool Contains(string alertId) => _alerts.ContainsKey(alertId);

    /// <summary>The alert as a clinician should see it now: a silence that ran out no longer shows.</summary>
    public AlertView? Find(string alertId) => _alerts.TryGetValue(alertId, out var entry) ? Present(entry.View) : null;

    /// <summary>The open alert of a patient for a key, if there is one.</summary>
    public string? OpenAlertId(string patientId, AlertKey key) => _open.TryGetValue((patientId, KeyOf(key)), out var id) ? id : null;

    /// <summary>When a silence on the patient's key ends, if one is in force now.</summary>
    public DateTimeOffset? SilencedUntil(string patientId, AlertKey key) =>
        _silences.TryGetValue((patientId, KeyOf(key)), out var until) && until > clock.GetUtcNow() ? until : null;

    /// <summary>Open alerts of the given partitions, with their partition, for taking them over after a restart.</summary>
    public IReadOnlyList<(AlertView View, int Partition)> OpenIn(IReadOnlySet<int> partitions) =>
        _alerts.Values
            .Where(e => partitions.Contains(e.Partition) && e.View.State != AlertState.Resolved)
            .Select(e => (Present(e.View), e.Partition))
            .ToList();

    /// <summary>Open alerts of one patient, with their partition.</summary>
    public IReadOnlyList<(AlertView View, int Partition)> OpenOf(string patientId) =>
        _alerts.Values
            .Where(e => string.Equals(e.View.PatientId, patientId, StringComparison.Ordinal) && e.View.State != AlertState.Resolved)
            .Select(e => (Present(e.View), e.Partition))
            .ToList();

    /// <summary>Forgets the alerts of partitions that moved to another instance, and ends every watch (see <see cref="Watch(AlertFilter?, Func{AlertView, bool}?, CancellationToken)"/>).</summary>
    public void Drop(IReadOnlySet<int> partitions)
    {
        foreach (var (alertId, entry) in _alerts)
        {
            if (partitions.Contains(entry.Partition) && _alerts.TryRemove(alertId, out _))
            {
                ForgetOpen(alertId, entry);
            }
        }
        foreach (var watcher in _watchers.Keys)
        {
            watcher.End();
        }
    }

    /// <summary>Forgets resolved alerts older than the configured time, and silences that ended.</summary>
    public void Prune()
    {
        var now = clock.GetUtcNow();
        var keepFrom = now - options.Value.KeepResolvedFor;
        foreach (var (alertId, entry) in _alerts)
        {
            if (entry.View.State == AlertState.Resolved && entry.View.ResolvedAt.ToDateTimeOffset() < keepFrom)
            {
                _alerts.TryRemove(alertId, out _);
            }
        }
        foreach (var (key, until) in _silences)
        {
            if (until <= now)
            {
                _silences.TryRemove(new KeyValuePair<(string, string), DateTimeOffset>(key, until));
            }
        }
    }

    public int Count => _alerts.Count;

    /// <summary>Open alerts counted by priority, for the open-alerts gauge.</summary>
    public IEnumerable<(AlertPriority Priority, int Count)> OpenByPriority() =>
        _alerts.Values
            .Where(e => e.View.State != AlertState.Resolved)
            .GroupBy(e => e.View.Raised.Priority)
            .Select(g => (g.Key, g.Count()));

    /// <summary>The order alerts are listed in: newest raised first, then by alert id.</summary>
    public static IComparer<AlertView> NewestFirst { get; } = Comparer<AlertView>.Create(static (x, y) =>
    {
        var raised = y.Raised.RaisedAt.ToDateTimeOffset().CompareTo(x.Raised.RaisedAt.ToDateTimeOffset());
        return raised != 0 ? raised : string.CompareOrdinal(x.AlertId, y.AlertId);
    });

    /// <summary>
    /// The page token of the position after <paramref name="view"/> in <see cref="NewestFirst"/> order. It names a
    /// position, not an alert this book holds, so any book continues from it.
    /// </summary>
    public static string PageTokenAfter(AlertView view) => PageToken.After(view);

    /// <summary>Matching alerts, newest first, one page at a time (the token is the position after the last one returned).</summary>
    /// <param name="visible">Which alerts the caller may see at all (e.g. by ward); null: every alert.</param>
    public (IReadOnlyList<AlertView> Page, string NextPageToken) List(AlertFilter? filter, int pageSize, string? pageToken, Func<AlertView, bool>? visible = null)
    {
        var after = PageToken.Parse(pageToken);
        var matching = _alerts.Values
            .Select(e => Present(e.View))
            .Where(v => Matches(v, filter) && (visible is null || visible(v)))
            .Order(NewestFirst)
            .SkipWhile(v => after is { } position && !position.IsBefore(v))
            .Take(pageSize + 1)
            .ToList();
        if (matching.Count <= pageSize)
        {
            return (matching, string.Empty);
        }
        matching.RemoveAt(pageSize);
        return (matching, PageToken.After(matching[^1]));
    }

    /// <summary>
    /// Every matching alert now, then each change of a matching alert; a slow reader gets each alert's latest state.
    /// An alert sent that the caller may no longer see (its patient moved off the caller's wards) is sent once more
    /// with its ids only, so the caller can drop it, and then no more unless it comes back into view. It ends when the
    /// book drops partitions: alerts of those now change elsewhere, unseen by this watch.
    /// </summary>
    public IAsyncEnumerable<AlertView> Watch(AlertFilter? filter, CancellationToken cancellationToken) => Watch(filter, visible: null, cancellationToken);

    /// <inheritdoc cref="Watch(AlertFilter?, CancellationToken)"/>
    /// <param name="filter">What the caller asked for.</param>
    /// <param name="visible">Which alerts the caller may see at all (e.g. by ward); null: every alert.</param>
    /// <param name="cancellationToken">Ends the watch.</param>
    public async IAsyncEnumerable<AlertView> Watch(AlertFilter? filter, Func<AlertView, bool>? visible, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watcher = new Watcher();
        _watchers.TryAdd(watcher, 0);
        // What this watch has disclosed and not taken back: only those are said to have left.
        var shown = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in _alerts.Values)
            {
                var view = Present(entry.View);
                if (Matches(view, filter) && (visible is null || visible(view)))
                {
                    shown.Add(view.AlertId);
                    yield return view;
                }
            }
            while (await watcher.Signal.Reader.WaitToReadAsync(cancellationToken))
            {
                watcher.Signal.Reader.TryRead(out _);
                foreach (var alertId in watcher.Take())
                {
                    if (Find(alertId) is not { } view || !Matches(view, filter, includeResolved: true))
                    {
                        continue;
                    }
                    if (visible is null || visible(view))
                    {
                        shown.Add(alertId);
                        yield return view;
                    }
                    else if (shown.Remove(alertId))
                    {
                        // Nothing of what it is now: the caller may no longer see it.
                        yield return new AlertView { AlertId = view.AlertId, PatientId = view.PatientId };
                    }
                }
            }
        }
        finally
        {
            _watchers.TryRemove(watcher, out _);
        }
    }

    private void Update(string alertId, Action<AlertView> change)
    {
        if (_alerts.TryGetValue(alertId, out var entry))
        {
            // Readers may hold the previous view: change a copy and swap it in.
            var view = entry.View.Clone();
            change(view);
            _alerts[alertId] = entry with { View = view };
        }
    }

    /// <summary>Frees the alert's key, unless a later alert has it by now.</summary>
    private void ForgetOpen(string alertId, Entry entry) =>
        _open.TryRemove(new KeyValuePair<(string, string), string>((entry.View.PatientId, KeyOf(entry.View.Raised.Key)), alertId));

    private AlertView Present(AlertView view)
    {
        if (view.State != AlertState.Silenced || view.SilencedUntil is null || view.SilencedUntil.ToDateTimeOffset() > clock.GetUtcNow())
        {
            return view;
        }
        var presented = view.Clone();
        presented.State = view.EscalationLevel > 0 ? AlertState.Escalated : AlertState.Notified;
        return presented;
    }

    private void Notify(string alertId)
    {
        foreach (var watcher in _watchers.Keys)
        {
            watcher.Add(alertId);
        }
    }

    private static bool Matches(AlertView view, AlertFilter? filter, bool includeResolved = false)
    {
        if (filter is null)
        {
            return includeResolved || view.State != AlertState.Resolved;
        }
        if (filter.PatientId.Length > 0 && !string.Equals(filter.PatientId, view.PatientId, StringComparison.Ordinal))
        {
            return false;
        }
        if (filter.MinPriority != AlertPriority.Unspecified && view.Raised.Priority < filter.MinPriority)
        {
            return false;
        }
        return filter.States.Count == 0 ? includeResolved || view.State != AlertState.Resolved : filter.States.Contains(view.State);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed class Watcher
    {
        private readonly HashSet<string> _pending = new(StringComparer.Ordinal);

        public Channel<bool> Signal { get; } = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        public void Add(string alertId)
        {
            lock (_pending)
            {
                _pending.Add(alertId);
            }
            Signal.Writer.TryWrite(true);
        }

        /// <summary>Ends the watch once it has taken what is pending.</summary>
        public void End() => Signal.Writer.TryComplete();

        public List<string> Take()
        {
            lock (_pending)
            {
                var taken = _pending.ToList();
                _pending.Clear();
                return taken;
            }
        }
    }

    /// <summary>A position in the newest-first order: raised time, then alert id.</summary>
    private readonly record struct PageToken(long RaisedAtTicks, string AlertId)
    {
        public static PageToken? Parse(string? token)
        {
            if (string.IsNullOrEmpty(token))
            {
                return null;
            }
            var separator = token.IndexOf(':', StringComparison.Ordinal);
            return separator > 0 && long.TryParse(token.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                ? new PageToken(ticks, token[(separator + 1)..])
                : throw new FormatException("The page token is not one this service issued.");
        }

        public static string After(AlertView view) =>
            string.Create(CultureInfo.InvariantCulture, $"{view.Raised.RaisedAt.ToDateTimeOffset().UtcTicks}:{view.AlertId}");

        /// <summary>True when <paramref name="view"/> comes after this position in the order.</summary>
        public bool IsBefore(AlertView view)
        {
            var ticks = view.Raised.RaisedAt.ToDateTimeOffset().UtcTicks;
            return ticks < RaisedAtTicks || (ticks == RaisedAtTicks && string.CompareOrdinal(view.AlertId, AlertId) > 0);
        }
    }
}
