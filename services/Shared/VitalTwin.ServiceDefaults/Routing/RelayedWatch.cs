using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace VitalTwin.ServiceDefaults.Routing;

/// <summary>
/// A watch answered from every replica: this replica's own feed and one watch relayed to every other holder, each
/// sending what its replica holds (and authorising and auditing it), written into the caller's stream one message at
/// a time; a feed waits while the caller takes what it gave. A watch cannot follow partitions that move, so it ends
/// as soon as any feed ends or <c>over</c> fires (the holders changed, the replica is stopping): UNAVAILABLE with a
/// retry hint, and the caller watches again. A failure here, or a holder's refusal, is the answer as it is.
/// </summary>
public sealed class RelayedWatch<T>(IServerStreamWriter<T> responseStream, string watchAgain, ILogger logger) : IServerStreamWriter<T>, IDisposable
{
    private readonly SemaphoreSlim _writing = new(1, 1);

    public WriteOptions? WriteOptions
    {
        get => responseStream.WriteOptions;
        set => responseStream.WriteOptions = value;
    }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(T message, CancellationToken cancellationToken)
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
    /// Runs <paramref name="here"/>, which writes this replica's messages through <see cref="WriteAsync(T, CancellationToken)"/>,
    /// and relays the watch <paramref name="watch"/> opens on each of <paramref name="elsewhere"/>, until one of them
    /// ends, which ends them all: a stream missing some holder's messages would pass for a whole one.
    /// </summary>
    public async Task RunAsync(
        Func<CancellationToken, Task> here,
        IReadOnlyList<PatientRouter.RelayedCall> elsewhere,
        Func<CallInvoker, CallOptions, AsyncServerStreamingCall<T>> watch,
        CancellationToken over,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(here);
        ArgumentNullException.ThrowIfNull(elsewhere);
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, over);
        List<Task> running = [here(ending.Token), .. elsewhere.Select(holder => RelayAsync(holder, watch, ending.Token))];
        var first = await Task.WhenAny(running);
        await ending.CancelAsync();
        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        cancellationToken.ThrowIfCancellationRequested();
        if (over.IsCancellationRequested)
        {
            RoutingLog.WatchOver(logger);
            throw PatientRouter.Unavailable(watchAgain);
        }
        // A failure of its own (the audit trail down, a holder's refusal) is the answer; a holder's stream that ended is not.
        await first;
        throw PatientRouter.Unavailable(watchAgain);
    }

    private async Task RelayAsync(PatientRouter.RelayedCall holder, Func<CallInvoker, CallOptions, AsyncServerStreamingCall<T>> watch, CancellationToken cancellationToken)
    {
        using var call = holder.Stream(watch);
        try
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                await WriteAsync(message, cancellationToken);
            }
            RoutingLog.RelayedWatchEnded(logger, StatusCode.OK);
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
            // It lost partitions, stopped, or cannot be reached.
            RoutingLog.RelayedWatchEnded(logger, failed.StatusCode);
        }
    }

    public void Dispose() => _writing.Dispose();
}

internal static partial class RoutingLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "A watch was ended UNAVAILABLE: the replicas holding its partitions changed, or this one is stopping; the client watches again")]
    public static partial void WatchOver(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A watch relayed to another replica ended ({Status}); the caller's watch was ended UNAVAILABLE")]
    public static partial void RelayedWatchEnded(ILogger logger, StatusCode status);
}
