using Grpc.Core;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// Services apply events asynchronously and query APIs have no "changed" signal for every state, so a test asks
/// until the answer is what it expects, on a timer and within a deadline.
/// </summary>
internal static class Polling
{
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T>> ask, Func<T, bool> ready, TimeSpan timeout)
        where T : class
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        T? last = null;
        try
        {
            do
            {
                try
                {
                    last = await ask(deadline.Token);
                    if (ready(last))
                    {
                        return last;
                    }
                }
                // Not there yet, or the service is restarting.
                catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.Unavailable)
                {
                }
            }
            while (await poll.WaitForNextTickAsync(deadline.Token));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && deadline.IsCancellationRequested)
        {
        }
        throw new TimeoutException($"Not in the expected state within {timeout}; last seen: {last}");
    }

    public static Task<PatientTwin> WaitForTwinAsync(this TwinQuery.TwinQueryClient twins, string patientId, Func<PatientTwin, bool> ready, TimeSpan timeout) =>
        UntilAsync(token => twins.GetTwinAsync(new GetTwinRequest { PatientId = patientId }, cancellationToken: token).ResponseAsync, ready, timeout);
}
