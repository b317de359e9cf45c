using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rampart.Core.Audit.Export;

/// <summary>
/// Sends events to a syslog collector (AUD-096): UDP datagrams (upstream) or a TCP stream with
/// octet-counting frames. A failed send closes the connection and the target stays down for a
/// backoff that doubles up to a bound (events meanwhile fail fast instead of stalling the worker);
/// the next event after it re-dials. Outages and recoveries are logged once each.
/// </summary>
internal sealed class SyslogTarget : IExportTarget
{
    readonly AuditExportOptions _options;
    readonly string _host;
    readonly int _port;
    readonly string _endpoint;
    readonly int _pid = Environment.ProcessId;
    readonly string _hostname;
    Socket? _socket;
    DateTimeOffset _retryAt = DateTimeOffset.MinValue;
    TimeSpan _backoff;
    bool _isDown;

    public SyslogTarget(AuditExportOptions options, string hostname)
    {
        _options = options;
        (_host, _port) = AuditExportOptions.ParseEndpoint(options.Syslog);
        _endpoint = (options.SyslogProtocol == SyslogProtocol.Tcp ? "tcp://" : "udp://") + options.Syslog;
        _hostname = hostname;
        _backoff = options.InitialBackoff;
    }

    public void Start()
    {
        try
        {
            Connect();
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            MarkDown("dial", ex);
        }
    }

    public void Send(AuditEvent e)
    {
        var message = Frame(e);
        var now = _options.Clock.GetUtcNow();
        if (_socket is null && now < _retryAt) throw new AuditExportUnavailableException($"syslog {_endpoint} is unavailable");
        try
        {
            if (_socket is not null && _options.SyslogProtocol == SyslogProtocol.Tcp && PeerClosed(_socket)) Close();
            if (_socket is null) Connect();
            Write(_socket!, message);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.MessageSize)
        {
            // Too big for one datagram: this event's problem, not an outage.
            _options.Warn($"audit export: event {e.Id} is {message.Length} bytes, too large for a syslog datagram to {_endpoint}; not sent");
            throw new AuditExportUnavailableException("datagram too large", ex);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            MarkDown("send to", ex);
            throw new AuditExportUnavailableException($"syslog {_endpoint}: {ex.Message}", ex);
        }
        if (_isDown)
        {
            _isDown = false;
            _options.Warn($"audit export: syslog {_endpoint} is reachable again");
        }
        _backoff = _options.InitialBackoff;
    }

    byte[] Frame(AuditEvent e)
    {
        var body = _options.Cef ? AuditCef.Format(e, _options.Version) : Encoding.UTF8.GetString(AuditChain.Serialize(e));
        var priority = SyslogMessage.Priority(e.Decision.Action);
        var tcp = _options.SyslogProtocol == SyslogProtocol.Tcp;
        var message = _options.SyslogFormat == SyslogFormat.Rfc5424
            ? SyslogMessage.Rfc5424(priority, e.Timestamp.ToDateTimeOffset(), _hostname, _pid, body)
            : SyslogMessage.Bsd(priority, e.Timestamp.ToDateTimeOffset().ToLocalTime(), _hostname, _pid, body, trailingNewline: !tcp);
        return tcp ? SyslogMessage.OctetCounted(message) : message;
    }

    void Connect()
    {
        var address = IPAddress.TryParse(_host, out var literal) ? literal : Resolve(_host);
        var endpoint = new IPEndPoint(address, _port);
        var tcp = _options.SyslogProtocol == SyslogProtocol.Tcp;
        var socket = new Socket(address.AddressFamily, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp);
        try
        {
            if (tcp)
            {
                socket.NoDelay = true;
                socket.SendTimeout = (int)_options.NetworkTimeout.TotalMilliseconds;
                using var timeout = new CancellationTokenSource(_options.NetworkTimeout);
                socket.ConnectAsync(endpoint, timeout.Token).AsTask().GetAwaiter().GetResult();
            }
            else socket.Connect(endpoint); // no packet: fixes the peer so ICMP errors come back on later sends
            _socket = socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    IPAddress Resolve(string host)
    {
        var addresses = Dns.GetHostAddresses(host);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        // Prefer IPv4 like most syslog senders; collectors often listen on 0.0.0.0 only.
        foreach (var a in addresses)
            if (a.AddressFamily == AddressFamily.InterNetwork) return a;
        return addresses[0];
    }

    static void Write(Socket socket, byte[] message)
    {
        var sent = 0;
        while (sent < message.Length) sent += socket.Send(message, sent, message.Length - sent, SocketFlags.None);
    }

    /// <summary>A collector never sends anything back, so a readable TCP socket with no data means it closed the connection.</summary>
    static bool PeerClosed(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    void MarkDown(string what, Exception ex)
    {
        Close();
        _retryAt = _options.Clock.GetUtcNow() + _backoff;
        if (!_isDown)
        {
            _isDown = true;
            _options.Warn($"audit export: {what} syslog {_endpoint} failed: {ex.Message}; retrying with backoff, events are dropped meanwhile");
        }
        var doubled = _backoff + _backoff;
        _backoff = doubled < _options.MaxBackoff ? doubled : _options.MaxBackoff;
    }

    void Close()
    {
        _socket?.Dispose();
        _socket = null;
    }

    public void Dispose() => Close();
}
