using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.DeviceTransports;

/// <summary>
/// A bedside monitor gateway's way in: each send is one HL7 v2.5 ORU^R01 over MLLP, as the system
/// <see cref="IngestSystem"/> (which the Gateway knows by its network address or its client certificate), and its
/// ACK read back into an <see cref="IngestAck"/>. Connections are kept and reused, one message at a time on each.
/// The Gateway's address is <c>mllp://host:port</c>, or <c>mllps://host:port</c> for TLS.
/// </summary>
public sealed class Hl7DeviceTransport(Uri gateway, string ingestSystem, SslClientAuthenticationOptions? tls = null) : IDeviceTransport
{
    private const byte StartBlock = 0x0B;
    private const byte EndBlock = 0x1C;
    private const byte CarriageReturn = 0x0D;
    private const int MaxAcknowledgementBytes = 1024 * 1024;

    private static readonly Encoding Text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ConcurrentBag<Stream> _idle = [];
    private readonly string _controlPrefix = Guid.NewGuid().ToString("N")[..8];
    private long _messages;

    /// <summary>The system a transport opened without naming one sends as.</summary>
    public const string DefaultIngestSystem = "vitaltwin-hl7";

    public DeviceTransportKind Kind => DeviceTransportKind.Hl7;

    /// <summary>A transport to <paramref name="gateway"/> sending as the system its user part names (<c>mllp://bedside-gateway@host:2575</c>), else <see cref="DefaultIngestSystem"/>.</summary>
    public static Hl7DeviceTransport Open(Uri gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        return new Hl7DeviceTransport(gateway, gateway.UserInfo is { Length: > 0 } name ? Uri.UnescapeDataString(name) : DefaultIngestSystem);
    }

    public string? IngestSystem => ingestSystem;

    /// <summary>How long the Gateway may take to acknowledge a message before the send counts as failed.</summary>
    public TimeSpan AcknowledgementTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <exception cref="GatewayUnavailableException">Unreachable, the connection broke, or the Gateway answered AR because Kafka did not store the readings.</exception>
    /// <exception cref="DeviceRefusedException">The Gateway answered AR for any other reason, such as a sender it does not know.</exception>
    public async Task<IngestAck> SendAsync(DeviceLogin device, IReadOnlyList<VitalSignReading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(readings);
        var controlId = $"{_controlPrefix}{Interlocked.Increment(ref _messages)}";
        var message = OruMessage.Write(readings, ingestSystem, controlId, DateTimeOffset.UtcNow);
        byte[] frame = [StartBlock, .. Text.GetBytes(message), EndBlock, CarriageReturn];
        // A kept connection may have been closed by the Gateway's idle timeout: one more try on a new one.
        var reused = _idle.TryTake(out var connection);
        while (true)
        {
            connection ??= await ConnectAsync(cancellationToken);
            try
            {
                var acknowledgement = await ExchangeAsync(connection, frame, cancellationToken);
                var ack = OruMessage.ReadAcknowledgement(acknowledgement, controlId, readings);
                _idle.Add(connection);
                return ack;
            }
            catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException)
            {
                await connection.DisposeAsync();
                connection = null;
                if (!reused)
                {
                    throw new GatewayUnavailableException("the HL7 connection to the Gateway broke before the message was acknowledged", ex);
                }
                reused = false;
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }

    private async Task<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(gateway.Host, gateway.Port, cancellationToken);
            Stream stream = client.GetStream();
            if (gateway.Scheme == "mllps")
            {
                var secure = new SslStream(stream, leaveInnerStreamOpen: false);
                var options = tls ?? new SslClientAuthenticationOptions();
                options.TargetHost ??= gateway.Host;
                await secure.AuthenticateAsClientAsync(options, cancellationToken);
                stream = secure;
            }
            return stream;
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            client.Dispose();
            throw new GatewayUnavailableException($"the Gateway's HL7 listener at {gateway.Host}:{gateway.Port} cannot be reached", ex);
        }
    }

    private async Task<string> ExchangeAsync(Stream connection, byte[] frame, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AcknowledgementTimeout);
        try
        {
            await connection.WriteAsync(frame, timeout.Token);
            await connection.FlushAsync(timeout.Token);
            return await ReadFrameAsync(connection, timeout.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException("the Gateway did not acknowledge the message in time", ex);
        }
    }

    private static async Task<string> ReadFrameAsync(Stream connection, CancellationToken cancellationToken)
    {
        var received = new ArrayBufferWriter<byte>();
        var one = new byte[1];
        var started = false;
        while (true)
        {
            if (await connection.ReadAsync(one, cancellationToken) == 0)
            {
                throw new EndOfStreamException("the Gateway closed the connection");
            }
            if (!started)
            {
                started = one[0] == StartBlock;
                continue;
            }
            if (one[0] == CarriageReturn && received.WrittenCount > 0 && received.WrittenSpan[^1] == EndBlock)
            {
                return Text.GetString(received.WrittenSpan[..^1]);
            }
            if (received.WrittenCount >= MaxAcknowledgementBytes)
            {
                throw new IOException("the Gateway's acknowledgement is larger than any it sends");
            }
            received.Write(one);
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var connection))
        {
            await connection.DisposeAsync();
        }
    }
}
