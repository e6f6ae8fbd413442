using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>
/// The watches that keep one live view of one browser tab current. A watch that ends, or ends UNAVAILABLE (a
/// replica left, partitions moved), is opened again after the server's retry hint; one refused (session over,
/// access denied) stays closed and says why. <see cref="Changed"/> fires at most once per
/// <see cref="DashboardOptions.RedrawInterval"/>, however fast the watches report, so a busy view never floods
/// the browser.
/// </summary>
public sealed partial class LiveWatch(TimeProvider clock, IOptions<DashboardOptions> options, ILogger<LiveWatch> logger) : IAsyncDisposable
{
    private static readonly TimeSpan DefaultRetry = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private int _dirty;

    /// <summary>Something the view shows changed; raised on a timer thread.</summary>
    public event Func<Task>? Changed;

    /// <summary>Why the view is not live right now (reconnecting, access refused); null while it is.</summary>
    public string? Problem { get; set; }

    /// <summary>Whether a watch was refused (session over, access denied): it stays closed, and what it showed should go.</summary>
    public bool Refused { get; private set; }

    /// <summary>Keeps each of <paramref name="watches"/> open until disposed; each reads one server stream to its end.</summary>
    public void Start(params Func<CancellationToken, Task>[] watches)
    {
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        if (_loops.Count > 0)
        {
            throw new InvalidOperationException("These watches have started already.");
        }
        foreach (var watch in watches)
        {
            _loops.Add(Task.Run(() => KeepWatchingAsync(watch, _stop.Token)));
        }
        _loops.Add(Task.Run(() => RedrawAsync(_stop.Token)));
    }

    public void MarkChanged() => Interlocked.Exchange(ref _dirty, 1);

    private async Task KeepWatchingAsync(Func<CancellationToken, Task> watch, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan retry;
            try
            {
                await watch(cancellationToken);
                retry = DefaultRetry;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                Problem = ex.StatusCode == StatusCode.Unauthenticated
                    ? Problems.SessionEnded
                    : "You are not allowed to see this.";
                Refused = true;
                MarkChanged();
                return;
            }
            catch (RpcException ex)
            {
                Log.WatchInterrupted(logger, ex.StatusCode);
                Problem = "Reconnecting: the view is not live.";
                retry = RetryHint(ex) ?? DefaultRetry;
                MarkChanged();
            }
            await Task.Delay(retry, clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RedrawAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.RedrawInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (Interlocked.Exchange(ref _dirty, 0) == 1 && Changed is { } changed)
                {
                    await changed();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static TimeSpan? RetryHint(RpcException ex) =>
        ex.Trailers.GetValue("grpc-retry-pushback-ms") is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms)
            : null;

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "A live watch ended with {Status}; watching again")]
        public static partial void WatchInterrupted(ILogger logger, StatusCode status);
    }
}
