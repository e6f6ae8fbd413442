using System.Security.Claims;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Dashboard.Clinical;
using VitalTwin.Dashboard.SignIn;

namespace VitalTwin.Dashboard.Tests.Patient;

public sealed class PatientFeedTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_feed_watches_only_its_patient_and_a_patient_moved_off_the_users_wards_leaves_nothing_to_show()
    {
        var twins = new ScriptedTwinQuery();
        await using var feed = FeedOver(twins);
        var refused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var shown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        feed.Changed += () =>
        {
            (feed.Refused ? refused : shown).TrySetResult();
            return Task.CompletedTask;
        };

        feed.Start("p-1");
        await twins.Send(new TwinChanged { Reason = TwinChangeReason.Initial, Twin = new PatientTwin { PatientId = "p-1", ReadingsApplied = 7 } });
        await shown.Task.WaitAsync(Timeout);
        var before = feed.Twin;
        await twins.Send(new TwinChanged { Reason = TwinChangeReason.LeftFilter, Twin = new PatientTwin { PatientId = "p-1" } });
        await refused.Task.WaitAsync(Timeout);

        Assert.Equal(["p-1"], (await twins.Request.Task).PatientIds);
        Assert.Equal(7UL, before!.ReadingsApplied);
        Assert.Same(before, feed.Twin);
        Assert.Equal("This patient is no longer on a ward you may see.", feed.Problem);
    }

    [Fact]
    public async Task A_watch_refused_by_the_service_is_refused_for_the_page()
    {
        var twins = new ScriptedTwinQuery();
        await using var feed = FeedOver(twins);
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        feed.Changed += () =>
        {
            changed.TrySetResult();
            return Task.CompletedTask;
        };

        feed.Start("p-2");
        twins.Fail(new RpcException(new Status(StatusCode.PermissionDenied, "ward")));
        await changed.Task.WaitAsync(Timeout);

        Assert.True(feed.Refused);
        Assert.Null(feed.Twin);
        Assert.Equal("You are not allowed to see this.", feed.Problem);
    }

    private static PatientFeed FeedOver(ScriptedTwinQuery twins)
    {
        var options = Options.Create(new DashboardOptions { RedrawInterval = TimeSpan.FromMilliseconds(50) });
        var api = new ClinicalApi(twins, new TwinWhatIf.TwinWhatIfClient(new UnusedInvoker()), new AlertDesk.AlertDeskClient(new UnusedInvoker()), new SignedIn(), options);
        return new PatientFeed(api, new LiveWatch(TimeProvider.System, options, NullLogger<LiveWatch>.Instance));
    }

    /// <summary>TwinQuery whose one watch sends what the test gives it, in order.</summary>
    private sealed class ScriptedTwinQuery : TwinQuery.TwinQueryClient
    {
        private readonly Channel<TwinChanged> _changes = Channel.CreateUnbounded<TwinChanged>();

        public TaskCompletionSource<WatchTwinsRequest> Request { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask Send(TwinChanged change) => _changes.Writer.WriteAsync(change);

        public void Fail(RpcException ex) => _changes.Writer.TryComplete(ex);

        public override AsyncServerStreamingCall<TwinChanged> WatchTwins(WatchTwinsRequest request, Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default)
        {
            Request.TrySetResult(request);
            return new AsyncServerStreamingCall<TwinChanged>(
                new Reader(_changes.Reader, cancellationToken),
                Task.FromResult(new Metadata()),
                () => Status.DefaultSuccess,
                () => [],
                () => { });
        }

        private sealed class Reader(ChannelReader<TwinChanged> changes, CancellationToken callCancelled) : IAsyncStreamReader<TwinChanged>
        {
            public TwinChanged Current { get; private set; } = default!;

            public async Task<bool> MoveNext(CancellationToken cancellationToken)
            {
                using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callCancelled);
                try
                {
                    Current = await changes.ReadAsync(both.Token);
                    return true;
                }
                catch (ChannelClosedException ex) when (ex.InnerException is RpcException rpc)
                {
                    throw rpc;
                }
            }
        }
    }

    private sealed class UnusedInvoker : CallInvoker
    {
        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();
        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();
        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
    }

    private sealed class SignedIn : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClinicianIdentity.AccessTokenClaim, "opaque")], "test"))));
    }
}
