using Grpc.Core;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults.Routing;

namespace VitalTwin.TwinState.Query;

/// <summary>
/// A WatchTwins call's stream, fed by this replica's watch and by one relayed watch per other holder, each sending
/// its own twins. Written one message at a time, whoever sends it; the holders audit what they send.
/// </summary>
internal sealed class MergedWatch(IServerStreamWriter<TwinChanged> responseStream, ILogger logger) : IServerStreamWriter<TwinChanged>, IDisposable
{
    private const string WatchAgain = "the replicas holding the twins changed or one stopped answering; watch again for every twin as it is now";

    private readonly SemaphoreSlim _writing = new(1, 1);

    public WriteOptions? WriteOptions
    {
        get => responseStream.WriteOptions;
        set => responseStream.WriteOptions = value;
    }

    public Task WriteAsync(TwinChanged message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(TwinChanged message, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            await responseStream.WriteAsync(message, cancellationToken);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="here"/> and relays <paramref name="elsewhere"/>'s watches until one of them ends, which
    /// ends them all: a stream missing some holder's twins would pass for a whole one. Ended by the holders changing,
    /// or by a holder's stream ending, it is UNAVAILABLE with a retry hint; a refusal (a holder found the token
    /// expired) is passed on as it is.
    /// </summary>
    public async Task RunAsync(
        Func<CancellationToken, Task> here,
        IReadOnlyList<PatientRouter.RelayedCall> elsewhere,
        WatchTwinsRequest request,
        CancellationToken holdersChanged,
        CancellationToken cancellationToken)
    {
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, holdersChanged);
        List<Task> running = [here(ending.Token), .. elsewhere.Select(holder => RelayAsync(holder, request, ending.Token))];
        var first = await Task.WhenAny(running);
        await ending.CancelAsync();
        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        cancellationToken.ThrowIfCancellationRequested();
        if (holdersChanged.IsCancellationRequested)
        {
            TwinQueryLog.WatchHoldersChanged(logger);
            throw PatientRouter.Unavailable(WatchAgain);
        }
        // A failure of its own (the audit trail down, a holder's refusal) is the answer; a holder's stream that ended is not.
        await first;
        throw PatientRouter.Unavailable(WatchAgain);
    }

    private async Task RelayAsync(PatientRouter.RelayedCall holder, WatchTwinsRequest request, CancellationToken cancellationToken)
    {
        using var call = holder.Stream((invoker, options) => new TwinQuery.TwinQueryClient(invoker).WatchTwins(request, options));
        try
        {
            await foreach (var changed in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                await WriteAsync(changed, cancellationToken);
            }
            TwinQueryLog.RelayedWatchEnded(logger, StatusCode.OK);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch (RpcException refused) when (refused.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.InvalidArgument or StatusCode.ResourceExhausted)
        {
            // The holder's answer, as if called directly: its token expired, or it has too many watches open.
            throw;
        }
        catch (RpcException failed)
        {
            TwinQueryLog.RelayedWatchEnded(logger, failed.StatusCode);
        }
    }

    public void Dispose() => _writing.Dispose();
}
