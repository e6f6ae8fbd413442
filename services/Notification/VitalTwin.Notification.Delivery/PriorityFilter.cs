using VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Notification.Delivery;

/// <summary>
/// A subscription's minimum priority. Raised and escalated events carry their priority; acknowledged, silenced and
/// resolved do not, so the alerts withheld are remembered and their later events withheld too. The memory is
/// bounded and not kept across restarts: an event whose alert it does not know is sent, because a subscriber
/// that gets one event too many is safer than one that misses a resolution.
/// </summary>
internal sealed class PriorityFilter(AlertPriority? minimum, int capacity = 10_000)
{
    private readonly HashSet<string> _withheld = new(StringComparer.Ordinal);
    private readonly Queue<string> _oldestFirst = new();

    public bool Admits(AlertRecord alert)
    {
        if (minimum is not { } floor)
        {
            return true;
        }
        if (alert.Priority is not { } priority)
        {
            return !_withheld.Contains(alert.AlertId);
        }
        if (priority >= floor)
        {
            _withheld.Remove(alert.AlertId);
            return true;
        }
        if (_withheld.Add(alert.AlertId))
        {
            _oldestFirst.Enqueue(alert.AlertId);
            while (_oldestFirst.Count > capacity)
            {
                _withheld.Remove(_oldestFirst.Dequeue());
            }
        }
        return false;
    }
}
