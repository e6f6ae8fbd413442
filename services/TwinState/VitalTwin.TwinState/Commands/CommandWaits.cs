using System.Collections.Concurrent;

namespace VitalTwin.TwinState.Commands;

/// <summary>
/// Calls waiting for their command to be applied by this instance's consumer, by command id. A wait is registered
/// before the command is published, so the consumer cannot apply it unseen.
/// </summary>
internal sealed class CommandWaits
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<bool>> _awaited = new(StringComparer.Ordinal);

    /// <summary>Completes with whether the command took effect (an acknowledgement finds its anomaly no longer open) once it is applied.</summary>
    public Task<bool> WhenApplied(string commandId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(commandId);
        var applied = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_awaited.TryAdd(commandId, applied))
        {
            throw new InvalidOperationException("Another wait for this command is pending.");
        }

        cancellationToken.Register(() =>
        {
            _awaited.TryRemove(new KeyValuePair<string, TaskCompletionSource<bool>>(commandId, applied));
            applied.TrySetCanceled(cancellationToken);
        });
        return applied.Task;
    }

    /// <summary>Called by the consumer once it has applied a command, or found it applied before.</summary>
    public void Applied(string commandId, bool tookEffect)
    {
        if (_awaited.TryRemove(commandId, out var applied))
        {
            applied.TrySetResult(tookEffect);
        }
    }
}
