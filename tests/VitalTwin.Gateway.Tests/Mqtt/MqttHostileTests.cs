using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Gateway.Tests.Mqtt;

/// <summary>
/// Hostile clients of the MQTT door over raw sockets: malformed frames, an oversized packet, half a CONNECT, and a
/// flood from one device; each time another device keeps being served.
/// </summary>
public sealed class MqttHostileTests : IAsyncLifetime
{
    private const int MaxPacketBytes = 64 * 1024;

    private readonly FakeTimeProvider _clock = new(Readings.Now);
    private readonly KafkaTopics _topics = GatewayServer.NewTopics();
    private EmbeddedKafka _kafka = null!;
    private GatewayServer _gateway = null!;
    private MqttDeviceTransport _transport = null!;
    private DeviceLogin _bystander = null!;
    private ulong _sequence;

    private Uri Mqtt => _gateway.MqttAddresses.Single();

    public async Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start([], brokerCount: 1);
        _gateway = await GatewayServer.StartAsync(_kafka, _topics, _clock, new Dictionary<string, string?>
        {
            ["Mqtt:MaxPacketBytes"] = MaxPacketBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mqtt:ConnectTimeout"] = "00:00:10",
            ["DeviceRateLimit:ReadingsPerSecond"] = "1",
            ["DeviceRateLimit:Burst"] = "5",
        });
        _transport = new MqttDeviceTransport(Mqtt);
        _bystander = new DeviceLogin("monitor-bystander", await _gateway.RegisterAsync("monitor-bystander", "patient-bystander"));
    }

    public async Task DisposeAsync()
    {
        await _transport.DisposeAsync();
        await _gateway.DisposeAsync();
        _kafka.Dispose();
    }

    public static TheoryData<string, byte[]> MalformedFrames => new()
    {
        { "not MQTT at all", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray() },
        { "a PUBLISH before any CONNECT", [0x30, 0x05, 0x00, 0x01, (byte)'a', (byte)'b', (byte)'c'] },
        { "a remaining length of five bytes", [0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] },
        { "a CONNECT naming an unknown protocol", [0x10, 0x0C, 0x00, 0x04, (byte)'X', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x00] },
    };

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public async Task A_malformed_frame_closes_its_connection_and_other_devices_are_served(string kind, byte[] frame)
    {
        using var socket = await ConnectAsync();

        await socket.SendAsync(frame);

        Assert.True(await ClosedAsync(socket), kind);
        Assert.Equal(1u, (await SendAsBystanderAsync()).Accepted);
    }

    [Fact]
    public async Task A_packet_declaring_more_than_the_limit_closes_the_connection_before_its_body_is_sent()
    {
        using var socket = await ConnectAsync();

        // A PUBLISH header declaring 2 MiB, and no body: the guard refuses it on the header alone.
        await socket.SendAsync(new byte[] { 0x30, 0x80, 0x80, 0x80, 0x01 });

        Assert.True(await ClosedAsync(socket));
        Assert.Equal(1u, (await SendAsBystanderAsync()).Accepted);
    }

    [Fact]
    public async Task Half_a_connect_does_not_hold_up_other_devices_and_is_closed_once_the_connect_timeout_passes()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync(new byte[] { 0x10, 0x20, 0x00, 0x04, (byte)'M' });

        var served = await SendAsBystanderAsync();
        _clock.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(1u, served.Accepted);
        Assert.True(await ClosedAsync(socket));
    }

    [Fact]
    public async Task A_signed_in_connection_silent_for_the_idle_timeout_is_closed()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync(Connect("idle-client", _bystander.DeviceId, _bystander.Credential));
        var connack = new byte[4];
        var read = 0;
        while (read < connack.Length)
        {
            read += await socket.ReceiveAsync(connack.AsMemory(read));
        }

        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, connack);
        Assert.True(await ClosedAsync(socket));
    }

    [Fact]
    public async Task A_flooding_device_is_rate_limited_by_the_core_and_told_so_while_other_devices_are_served()
    {
        var flooder = new DeviceLogin("monitor-flood", await _gateway.RegisterAsync("monitor-flood", "patient-flood"));
        var flood = Enumerable.Range(0, 50).Select(_ => Reading(flooder.DeviceId, "patient-flood")).ToList();

        var ack = await _transport.SendAsync(flooder, flood, CancellationToken.None);
        var served = await SendAsBystanderAsync();

        Assert.Equal(5u, ack.Accepted);
        Assert.Equal(45, ack.Rejections.Count(r => r.Reason == RejectionReason.RateLimited));
        Assert.Equal(1u, served.Accepted);
    }

    /// <summary>An MQTT 3.1.1 CONNECT with a clean session, a user name and a password.</summary>
    private static byte[] Connect(string clientId, string userName, string password)
    {
        static byte[] Text(string text)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
        }
        byte[] body = [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0xC2, 0x00, 0x3C, .. Text(clientId), .. Text(userName), .. Text(password)];
        var length = new List<byte>();
        var remaining = body.Length;
        do
        {
            var digit = (byte)(remaining % 128);
            remaining /= 128;
            length.Add(remaining > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (remaining > 0);
        return [0x10, .. length, .. body];
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Mqtt.Host, Mqtt.Port);
        return socket;
    }

    /// <summary>Whether the Gateway closed the connection (end of stream or reset) within 30 s.</summary>
    private static async Task<bool> ClosedAsync(Socket socket)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[256];
        try
        {
            while (await socket.ReceiveAsync(buffer, deadline.Token) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private Task<IngestAck> SendAsBystanderAsync() =>
        _transport.SendAsync(_bystander, [Reading(_bystander.DeviceId, "patient-bystander")], CancellationToken.None);

    private VitalSignReading Reading(string device, string patient)
    {
        var reading = Readings.HeartRate(72, Readings.Now.AddSeconds(-30).AddMilliseconds(++_sequence));
        reading.DeviceId = device;
        reading.PatientId = patient;
        reading.SequenceNumber = _sequence;
        return reading;
    }
}
