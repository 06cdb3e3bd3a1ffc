using System.Net;
using System.Net.Sockets;

namespace Alerts.TestSupport;

public static class FreePort
{
    /// <summary>
    /// A TCP port on 127.0.0.1 that nothing listens on now, for a server the test starts next (a broker node, say)
    /// that must be told its port before it binds.
    /// </summary>
    public static int OnLoopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
