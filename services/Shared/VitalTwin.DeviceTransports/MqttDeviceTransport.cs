using System.Collections.Concurrent;
using System.Text;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.DeviceTransports;

/// <summary>
/// The Gateway's MQTT door: MQTT 5, one connection per device signed in with its key (user name = device id, password
/// = key), a <see cref="VitalSignBatch"/> published at QoS 1 to <c>vitaltwin/v1/devices/{id}/readings</c>. The PUBACK
/// comes once Kafka has the readings; the acknowledgement itself (<see cref="IngestAck"/> as JSON) comes on the device's
/// ack topic, matched to the publish by its correlation data.
/// </summary>
public sealed class MqttDeviceTransport(Uri gateway) : IDeviceTransport
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Lazy<Task<DeviceConnection>>> _connections = new(StringComparer.Ordinal);

    public DeviceTransportKind Kind => DeviceTransportKind.Mqtt;

    public string? IngestSystem => null;

    public async Task<IngestAck> SendAsync(DeviceLogin device, IReadOnlyList<VitalSignReading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(readings);
        var connection = await ConnectionAsync(device, cancellationToken);
        try
        {
            return await connection.SendAsync(readings, cancellationToken);
        }
        catch (GatewayUnavailableException)
        {
            // The next send opens a new connection.
            if (_connections.TryRemove(device.DeviceId, out var lost))
            {
                await (await lost.Value).DisposeAsync();
            }
            throw;
        }
    }

    private async Task<DeviceConnection> ConnectionAsync(DeviceLogin device, CancellationToken cancellationToken)
    {
        var connecting = _connections.GetOrAdd(device.DeviceId, _ => new Lazy<Task<DeviceConnection>>(() => DeviceConnection.OpenAsync(gateway, device, cancellationToken)));
        try
        {
            return await connecting.Value;
        }
        catch
        {
            _connections.TryRemove(new KeyValuePair<string, Lazy<Task<DeviceConnection>>>(device.DeviceId, connecting));
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values.Where(c => c.IsValueCreated))
        {
            try
            {
                await (await connection.Value).DisposeAsync();
            }
            catch (Exception ex) when (ex is GatewayUnavailableException or DeviceRefusedException)
            {
                // It never opened.
            }
        }
        _connections.Clear();
    }

    private sealed class DeviceConnection : IAsyncDisposable
    {
        private readonly IMqttClient _client;
        private readonly string _readingsTopic;
        private readonly ConcurrentDictionary<string, TaskCompletionSource<IngestAck>> _pending = new(StringComparer.Ordinal);

        private DeviceConnection(IMqttClient client, string deviceId)
        {
            _client = client;
            _readingsTopic = $"vitaltwin/v1/devices/{deviceId}/readings";
            _client.ApplicationMessageReceivedAsync += received =>
            {
                var correlation = received.ApplicationMessage.CorrelationData is { } data ? Convert.ToHexString(data) : null;
                if (correlation is not null && _pending.TryRemove(correlation, out var waiting))
                {
                    waiting.TrySetResult(JsonParser.Default.Parse<IngestAck>(Encoding.UTF8.GetString(received.ApplicationMessage.Payload)));
                }
                return Task.CompletedTask;
            };
        }

        public static async Task<DeviceConnection> OpenAsync(Uri gateway, DeviceLogin device, CancellationToken cancellationToken)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer(gateway.Host, gateway.Port)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithClientId($"{device.DeviceId}-{Guid.NewGuid():N}")
                .WithCredentials(device.DeviceId, device.Credential)
                .WithCleanStart();
            if (gateway.Scheme == "mqtts")
            {
                options.WithTlsOptions(tls => tls.UseTls());
            }
            var connection = new DeviceConnection(client, device.DeviceId);
            MqttClientConnectResult connected;
            try
            {
                connected = await client.ConnectAsync(options.Build(), cancellationToken);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException ex)
            {
                client.Dispose();
                throw new GatewayUnavailableException("the Gateway's MQTT door cannot be reached", ex);
            }
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                client.Dispose();
                throw connected.ResultCode is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized
                    ? new DeviceRefusedException($"the Gateway refused the device ({connected.ResultCode}: {connected.ReasonString})")
                    : new GatewayUnavailableException($"the Gateway did not take the connection ({connected.ResultCode})");
            }
            await client.SubscribeAsync($"vitaltwin/v1/devices/{device.DeviceId}/acks", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken);
            return connection;
        }

        public async Task<IngestAck> SendAsync(IReadOnlyList<VitalSignReading> readings, CancellationToken cancellationToken)
        {
            var batch = new VitalSignBatch();
            batch.Readings.AddRange(readings);
            var correlation = Guid.NewGuid().ToByteArray();
            var key = Convert.ToHexString(correlation);
            var acknowledged = new TaskCompletionSource<IngestAck>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[key] = acknowledged;
            try
            {
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(_readingsTopic)
                    .WithPayload(batch.ToByteArray())
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithCorrelationData(correlation)
                    .Build();
                MqttClientPublishResult published;
                try
                {
                    published = await _client.PublishAsync(message, cancellationToken);
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException or MQTTnet.Exceptions.MqttClientDisconnectedException)
                {
                    throw new GatewayUnavailableException("the Gateway did not acknowledge the batch", ex);
                }
                // Refused whole, before any reading was looked at: no acknowledgement follows.
                var refusedWhole = published.ReasonCode is MqttClientPublishReasonCode.PayloadFormatInvalid or MqttClientPublishReasonCode.TopicNameInvalid
                    || (published.ReasonCode is MqttClientPublishReasonCode.QuotaExceeded && published.ReasonString?.StartsWith("a batch holds at most", StringComparison.Ordinal) == true);
                if (refusedWhole)
                {
                    throw new ArgumentException($"the Gateway refused the batch: {published.ReasonString}", nameof(readings));
                }
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(AckTimeout);
                try
                {
                    return await acknowledged.Task.WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new GatewayUnavailableException("the Gateway's acknowledgement did not come");
                }
            }
            finally
            {
                _pending.TryRemove(key, out _);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }
            _client.Dispose();
        }
    }
}
