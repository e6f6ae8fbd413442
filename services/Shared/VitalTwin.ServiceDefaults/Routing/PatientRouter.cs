using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.ServiceDefaults.Routing;

/// <summary>
/// Sends a per-patient call to the replica holding the patient's partition, so any replica answers for any patient.
/// The caller's token and purpose go along unchanged: the owner authorises and audits, as if called directly; this
/// replica only relays. A relayed call is marked, and never relayed again.
/// </summary>
public sealed partial class PatientRouter(OwnershipDirectory directory, RelayChannels channels, IOptions<RoutingOptions> options, TimeProvider clock, ILogger<PatientRouter> logger)
{
    /// <summary>Marks a call relayed from another replica: the hop limit.</summary>
    public const string ForwardedHeader = "x-vitaltwin-forwarded";

    private const string RetryPushbackHeader = "grpc-retry-pushback-ms";
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);
    private static readonly string[] RelayedHeaders = ["authorization", ApiAuthentication.PurposeHeader];

    /// <summary>
    /// Null when this replica serves <paramref name="patientId"/>; otherwise the call to its owner. Refuses with
    /// UNAVAILABLE when no owner is known (partitions are being reassigned) or the call was relayed here already.
    /// </summary>
    public RelayedCall? Elsewhere(string patientId, ServerCallContext context)
    {
        var owner = directory.OwnerOf(patientId);
        if (owner.IsLocal)
        {
            return null;
        }
        if (context.RequestHeaders.Get(ForwardedHeader) is not null || !owner.IsKnown)
        {
            LogOwnerUnknown(logger, context.Method);
            throw Unavailable();
        }

        return Relay(owner.Address!, context);
    }

    /// <summary>
    /// The calls to every other replica a call about all patients (a list, a watch) must also ask, each holder once;
    /// this replica answers for its own partitions. Empty for a call relayed here already: it asks this replica only.
    /// Refuses with UNAVAILABLE while some partition has no known holder (partitions are being reassigned).
    /// </summary>
    public IReadOnlyList<RelayedCall> Everywhere(ServerCallContext context)
    {
        if (context.RequestHeaders.Get(ForwardedHeader) is not null)
        {
            return [];
        }
        if (directory.OtherHolders() is not { } holders)
        {
            LogOwnerUnknown(logger, context.Method);
            throw Unavailable();
        }
        return [.. holders.Select(address => Relay(address, context))];
    }

    /// <summary>
    /// Cancelled when a partition changes holder. A watch takes it before <see cref="Everywhere"/> and ends when it
    /// fires: the calls it made no longer reach every patient.
    /// </summary>
    public CancellationToken HoldersChanged => directory.HoldersChanged;

    private RelayedCall Relay(string address, ServerCallContext context)
    {
        var headers = new Metadata { { ForwardedHeader, "1" } };
        foreach (var name in RelayedHeaders)
        {
            if (context.RequestHeaders.Get(name) is { } header)
            {
                headers.Add(name, header.Value);
            }
        }
        var deadline = clock.GetUtcNow().UtcDateTime + options.Value.ForwardTimeout;
        var callOptions = new CallOptions(headers, deadline < context.Deadline ? deadline : context.Deadline, context.CancellationToken);
        return new RelayedCall(channels.For(address).CreateCallInvoker(), callOptions, context.Deadline, this, context.Method);
    }

    /// <summary>UNAVAILABLE with a retry hint (<c>grpc-retry-pushback-ms</c>): the same call is likely to succeed shortly.</summary>
    public static RpcException Unavailable(string message = "the replica serving that patient cannot be reached just now; try again shortly") =>
        new(new Status(StatusCode.Unavailable, message),
            new Metadata { { RetryPushbackHeader, ((int)RetryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) } });

    /// <summary>One call on its way to the patient's owner.</summary>
    public sealed class RelayedCall(CallInvoker invoker, CallOptions options, DateTime callerDeadline, PatientRouter router, string method)
    {
        /// <summary>
        /// Opens the stream with <paramref name="call"/> on the replica's channel. It lasts as long as the caller's
        /// own call (no <see cref="RoutingOptions.ForwardTimeout"/>); the caller reads it and handles its end.
        /// </summary>
        public AsyncServerStreamingCall<TResponse> Stream<TResponse>(Func<CallInvoker, CallOptions, AsyncServerStreamingCall<TResponse>> call)
        {
            ArgumentNullException.ThrowIfNull(call);
            return call(invoker, options.WithDeadline(callerDeadline));
        }

        /// <summary>
        /// Makes the call with <paramref name="call"/> on the owner's channel; the owner's answer, or its refusal, is
        /// this replica's. An owner that cannot be reached is UNAVAILABLE with a retry hint.
        /// </summary>
        public async Task<TResponse> CallAsync<TResponse>(Func<CallInvoker, CallOptions, AsyncUnaryCall<TResponse>> call)
        {
            ArgumentNullException.ThrowIfNull(call);
            try
            {
                return await call(invoker, options);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && !options.CancellationToken.IsCancellationRequested)
            {
                LogOwnerUnreachable(router.Logger, method, ex.StatusCode);
                throw Unavailable();
            }
        }
    }

    private ILogger Logger => logger;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No replica is known to hold the patient of a {Method} call (partitions are being reassigned?); answered UNAVAILABLE")]
    private static partial void LogOwnerUnknown(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The replica holding the patient of a {Method} call did not answer ({Status}); answered UNAVAILABLE")]
    private static partial void LogOwnerUnreachable(ILogger logger, string method, StatusCode status);
}
