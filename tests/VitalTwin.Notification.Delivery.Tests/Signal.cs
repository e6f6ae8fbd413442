namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>
/// Wakes waiters whenever something they watch changed, so a test waits for a condition on a signal, with a
/// deadline, instead of sleeping.
/// </summary>
internal sealed class Signal
{
    /// <summary>How long any test waits for a condition before it fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TaskCompletionSource _changed = NewSource();

    public void Pulse() => Interlocked.Exchange(ref _changed, NewSource()).TrySetResult();

    public Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(condition, what, Timeout);

    public async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            // Taken before the check, so a change between the check and the wait still wakes us.
            var changed = Volatile.Read(ref _changed).Task;
            if (condition())
            {
                return;
            }
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited {timeout} for {what}.");
            }
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
