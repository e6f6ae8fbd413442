using System.Buffers;
using System.Collections.Concurrent;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Authentication;
using VitalTwin.Gateway.Ingestion;

namespace VitalTwin.Gateway.Mqtt;

/// <summary>
/// The MQTT front door: signs clients in at CONNECT, hands each publish on a readings topic to the ingestion core and
/// answers it (the PUBACK only once the core returned, so once Kafka has the readings), and publishes the
/// acknowledgement to the device's ack topic for the connections of the same sender. It is not a broker: no publish is
/// forwarded to another client or retained, and the only subscriptions are to acknowledgement topics.
/// </summary>
internal sealed partial class MqttDoor(
    MqttServer server,
    DeviceSignIn signIn,
    ReadingIngestor ingestor,
    SenmlReadings senml,
    ILogger<MqttDoor> logger) : IHostedLifecycleService
{
    private const string SignInItem = "vitaltwin.mqtt.sign-in";

    // Acknowledgements are published by the Gateway itself, under a sender id no client publish ever reaches enqueueing with.
    private const string AckSenderPrefix = "vitaltwin-gateway/";

    private readonly ConcurrentDictionary<string, MqttSignIn> _connected = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Sender> _ackSenders = new(StringComparer.Ordinal);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        server.ValidatingConnectionAsync += SignInAsync;
        server.ClientDisconnectedAsync += DisconnectedAsync;
        server.InterceptingPublishAsync += PublishAsync;
        server.InterceptingSubscriptionAsync += SubscribeAsync;
        server.InterceptingClientEnqueueAsync += EnqueueAsync;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Closes the MQTT connections before Kestrel stops (it stops first, and would wait its whole shutdown timeout for
    /// connections it cannot ask to end); a device sent nothing it was not acknowledged for, and resends on reconnection.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken) =>
        server.StopAsync(new MqttServerStopOptionsBuilder().WithDefaultClientDisconnectOptions(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.ServerShuttingDown }).Build());

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private Task SignInAsync(ValidatingConnectionEventArgs connect)
    {
        var clientId = connect.ClientId;
        if (string.IsNullOrEmpty(clientId) && connect.ProtocolVersion == MqttProtocolVersion.V500)
        {
            // MQTT 5 lets the server name a client that sent no id (MQTTnet would otherwise answer any refusal with
            // "client identifier not valid"); 3.1.1 clients must send one.
            clientId = connect.AssignedClientIdentifier = $"vitaltwin-{Guid.NewGuid():N}";
        }
        var (sender, proof, refusal) = Identify(connect);
        if (sender is null)
        {
            connect.ReasonCode = refusal;
            connect.ReasonString = refusal == MqttConnectReasonCode.NotAuthorized ? "the device is revoked or may not sign in" : "the user name and key prove no registered device";
            LogRefused(logger, refusal);
            return Task.CompletedTask;
        }
        if (string.IsNullOrEmpty(clientId))
        {
            return Task.CompletedTask; // Refused by MQTTnet: a 3.1.1 client without an id.
        }
        // A client id held by another sender's connection would let one device take over another's session.
        if (_connected.TryGetValue(clientId, out var holder) && holder.Sender != sender)
        {
            connect.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            connect.ReasonString = "the client id is in use by another device";
            return Task.CompletedTask;
        }
        var session = new MqttSignIn(sender, proof, connect.ProtocolVersion == MqttProtocolVersion.V500);
        connect.SessionItems[SignInItem] = session;
        _connected[clientId] = session;
        return Task.CompletedTask;
    }

    private (Sender? Sender, DeviceProof? Proof, MqttConnectReasonCode Refusal) Identify(ValidatingConnectionEventArgs connect)
    {
        if (!string.IsNullOrEmpty(connect.UserName) || connect.RawPassword is { Length: > 0 })
        {
            var proof = signIn.WithCredential(connect.Password);
            if (proof.Allowed && string.Equals(proof.DeviceId, connect.UserName, StringComparison.Ordinal))
            {
                return (Sender.Device(proof.DeviceId!), proof, MqttConnectReasonCode.Success);
            }
            var named = string.Equals(proof.DeviceId, connect.UserName, StringComparison.Ordinal);
            return (null, null, named && proof.Standing == Devices.DeviceStanding.Revoked ? MqttConnectReasonCode.NotAuthorized : MqttConnectReasonCode.BadUserNameOrPassword);
        }
        if (connect.ClientCertificate is { } certificate)
        {
            if (signIn.SystemWithCertificate(certificate) is { } system)
            {
                return (system, null, MqttConnectReasonCode.Success);
            }
            var proof = signIn.WithCertificate(certificate);
            return proof.Allowed
                ? (Sender.Device(proof.DeviceId!), proof, MqttConnectReasonCode.Success)
                : (null, null, proof.Standing == Devices.DeviceStanding.Revoked ? MqttConnectReasonCode.NotAuthorized : MqttConnectReasonCode.BadUserNameOrPassword);
        }
        return (null, null, MqttConnectReasonCode.NotAuthorized);
    }

    private Task DisconnectedAsync(ClientDisconnectedEventArgs disconnected)
    {
        if (disconnected.SessionItems?[SignInItem] is MqttSignIn session && disconnected.ClientId is { } clientId)
        {
            _connected.TryRemove(new KeyValuePair<string, MqttSignIn>(clientId, session));
        }
        return Task.CompletedTask;
    }

    private async Task PublishAsync(InterceptingPublishEventArgs publish)
    {
        if (publish.ClientId?.StartsWith(AckSenderPrefix, StringComparison.Ordinal) == true && publish.SessionItems?[SignInItem] is null)
        {
            return; // The Gateway's own acknowledgement, on its way to the subscribers.
        }
        publish.ProcessPublish = false;
        if (publish.SessionItems[SignInItem] is not MqttSignIn session)
        {
            publish.CloseConnection = true;
            return;
        }
        // A session outlives its sign-in: a revocation or a newer registration ends it at the next publish.
        if (session.Proof is { } proof && !signIn.StillAllowed(proof))
        {
            LogEnded(logger);
            publish.CloseConnection = true;
            return;
        }
        var message = publish.ApplicationMessage;
        if (!MqttTopics.TryReadings(message.Topic, out var deviceId) || deviceId == "+")
        {
            Refuse(publish, session, MqttPubAckReasonCode.TopicNameInvalid, "publish readings to vitaltwin/v1/devices/{device id}/readings");
            return;
        }
        if (session.Sender.IsDevice && !string.Equals(deviceId, session.Sender.Name, StringComparison.Ordinal))
        {
            Refuse(publish, session, MqttPubAckReasonCode.NotAuthorized, "a device publishes only under its own device id");
            return;
        }
        List<VitalSignReading> readings;
        IReadOnlyList<VitalSignReading>? pack = null;
        try
        {
            (readings, pack) = Read(message, deviceId);
        }
        catch (FormatException ex)
        {
            Refuse(publish, session, MqttPubAckReasonCode.PayloadFormatInvalid, ex.Message);
            return;
        }
        var ack = new IngestAck();
        try
        {
            await ingestor.IngestAsync(readings, session.Sender, 0, ack, publish.CancellationToken);
        }
        catch (BatchTooLargeException ex)
        {
            Refuse(publish, session, MqttPubAckReasonCode.QuotaExceeded, ex.Message);
            return;
        }
        catch (Exception ex) when (ex is ReadingsNotStoredException or ConsumersBehindException)
        {
            // Not refused but left unacknowledged, in both versions: the connection is closed without a PUBACK, so the
            // message stays with the client, which resends it on reconnecting (a bridge's persistent session does it by
            // itself). An MQTT 5 error code would end the delivery, and a bridge would drop the readings. (The ingestor
            // has logged the failure.) The same while the consumers are behind: the client's reconnect back-off paces it.
            publish.CloseConnection = true;
            return;
        }
        if (pack is not null)
        {
            // The acknowledgement names SenML records by their place in the pack, not in the order they were sent.
            var place = new Dictionary<VitalSignReading, int>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < pack.Count; i++)
            {
                place[pack[i]] = i;
            }
            foreach (var rejection in ack.Rejections)
            {
                rejection.Index = (uint)place[readings[(int)rejection.Index]];
            }
        }
        Answer(publish, session, ack);
        await AcknowledgeAsync(session.Sender, deviceId, message.CorrelationData, ack, publish.CancellationToken);
    }

    /// <summary>The readings of a payload, told apart by content type or first byte, and for SenML the pack as it came.</summary>
    private (List<VitalSignReading> Readings, IReadOnlyList<VitalSignReading>? Pack) Read(MqttApplicationMessage message, string deviceId)
    {
        var payload = message.Payload.ToArray();
        if (payload.Length == 0)
        {
            throw new FormatException("the payload is empty");
        }
        if (string.Equals(message.ContentType, SenmlReadings.ContentType, StringComparison.OrdinalIgnoreCase) || payload[0] == (byte)'[')
        {
            var inPack = senml.Read(payload, deviceId);
            // Sent in observation order, as derived sequence numbers must rise.
            var ordered = inPack.ToList();
            DerivedIdentity.Order(ordered);
            return (ordered, inPack);
        }
        VitalSignBatch batch;
        try
        {
            batch = VitalSignBatch.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new FormatException($"the payload is neither a VitalSignBatch nor SenML ({SenmlReadings.ContentType}, starting with '[')");
        }
        foreach (var reading in batch.Readings.Where(r => r.DeviceId.Length == 0))
        {
            reading.DeviceId = deviceId;
        }
        return ([.. batch.Readings], null);
    }

    private static void Answer(InterceptingPublishEventArgs publish, MqttSignIn session, IngestAck ack)
    {
        if (ack.Rejected == 0)
        {
            return;
        }
        var resendLater = ack.Rejections.Count(r => r.Reason == RejectionReason.RateLimited);
        if (resendLater > 0 && !session.V5)
        {
            // 3.1.1 has no way to say "these later": without a PUBACK the device resends, and what was stored is a duplicate then.
            publish.CloseConnection = true;
            return;
        }
        var first = ack.Rejections[0];
        publish.Response.ReasonCode = resendLater > 0 ? MqttPubAckReasonCode.QuotaExceeded
            : ack.Accepted == 0 && ack.Rejections.All(r => r.Reason == RejectionReason.DeviceMismatch) ? MqttPubAckReasonCode.NotAuthorized
            : MqttPubAckReasonCode.ImplementationSpecificError;
        publish.Response.ReasonString = resendLater > 0
            ? $"{resendLater} readings over the device's rate limit: resend them later; {ack.Accepted} stored"
            : $"{ack.Rejected} of {ack.Accepted + ack.Rejected} readings refused, the first (index {first.Index}) {first.Reason}: {first.Detail}; see the ack topic";
    }

    private void Refuse(InterceptingPublishEventArgs publish, MqttSignIn session, MqttPubAckReasonCode reason, string detail)
    {
        LogPublishRefused(logger, reason);
        if (!session.V5)
        {
            // 3.1.1 cannot refuse a publish but by closing the connection (MQTT-3.3.5-2), and acknowledging it would
            // tell the device something was stored.
            publish.CloseConnection = true;
            return;
        }
        publish.Response.ReasonCode = reason;
        publish.Response.ReasonString = detail + "; do not resend this message";
    }

    private async Task AcknowledgeAsync(Sender sender, string deviceId, byte[]? correlationData, IngestAck ack, CancellationToken cancellationToken)
    {
        var ackSender = AckSenderPrefix + (sender.IsDevice ? "device/" : "system/") + sender.Name;
        _ackSenders.TryAdd(ackSender, sender);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(MqttTopics.Acks(deviceId))
            .WithPayload(JsonFormatter.Default.Format(ack))
            .WithContentType("application/json")
            .WithCorrelationData(correlationData)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = ackSender }, cancellationToken);
    }

    private Task SubscribeAsync(InterceptingSubscriptionEventArgs subscription)
    {
        var allowed = subscription.SessionItems[SignInItem] is MqttSignIn session
            && MqttTopics.TryAcks(subscription.TopicFilter.Topic, out var deviceId)
            && (session.Sender.IsDevice ? deviceId == session.Sender.Name : true);
        if (!allowed)
        {
            subscription.ProcessSubscription = false;
            subscription.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            subscription.Response.ReasonString = "only the acknowledgement topic of the signed-in device (a system: vitaltwin/v1/devices/+/acks) may be subscribed";
        }
        return Task.CompletedTask;
    }

    /// <summary>The one delivery there is: an acknowledgement, to connections signed in as the sender it acknowledges.</summary>
    private Task EnqueueAsync(InterceptingClientApplicationMessageEnqueueEventArgs enqueue)
    {
        enqueue.AcceptEnqueue = _ackSenders.TryGetValue(enqueue.SenderClientId ?? string.Empty, out var sender)
            && _connected.TryGetValue(enqueue.ReceiverClientId, out var receiver)
            && receiver.Sender == sender;
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "An MQTT client was refused at CONNECT: {Reason}")]
    private static partial void LogRefused(ILogger logger, MqttConnectReasonCode reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "An MQTT session was ended: its device was revoked or registered again since it signed in")]
    private static partial void LogEnded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "An MQTT publish was refused: {Reason}")]
    private static partial void LogPublishRefused(ILogger logger, MqttPubAckReasonCode reason);

    /// <summary>Who a connection signed in as; <see cref="Proof"/> is the device's, checked again before each publish.</summary>
    private sealed class MqttSignIn(Sender sender, DeviceProof? proof, bool v5)
    {
        public Sender Sender { get; } = sender;

        public DeviceProof? Proof { get; } = proof;

        public bool V5 { get; } = v5;
    }
}
