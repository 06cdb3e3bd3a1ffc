using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Alerts.TestSupport;

/// <summary>
/// A certificate authority of the test's own, for TLS on loopback: it issues server certificates for localhost and
/// 127.0.0.1, and writes its own certificate to a PEM file that a client process trusts through <c>SSL_CERT_FILE</c>.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    readonly X509Certificate2 _authority;
    readonly string _folder;

    TestCertificateAuthority(X509Certificate2 authority)
    {
        _authority = authority;
        _folder = Directory.CreateTempSubdirectory("alerts-ca-").FullName;
        CertificateFile = Path.Combine(_folder, "ca.pem");
        File.WriteAllText(CertificateFile, authority.ExportCertificatePem());
    }

    /// <summary>The authority's certificate, PEM: <c>SSL_CERT_FILE=…</c> makes a .NET process on Linux trust it (and only it).</summary>
    public string CertificateFile { get; }

    public static TestCertificateAuthority Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Alerts test CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        return new TestCertificateAuthority(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)));
    }

    /// <summary>A server certificate for localhost and 127.0.0.1, with its private key, signed by this authority.</summary>
    public X509Certificate2 IssueServerCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
        using var issued = request.Create(_authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(16));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>Writes a server certificate and its private key as PEM files, for a server that reads files (RabbitMQ).</summary>
    /// <returns>The paths of the certificate and of the key.</returns>
    public (string Certificate, string Key) WriteServerCertificatePem(string folder)
    {
        using var certificate = IssueServerCertificate();
        var (certificateFile, keyFile) = (Path.Combine(folder, "server.pem"), Path.Combine(folder, "server.key"));
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        using var key = certificate.GetRSAPrivateKey()!;
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
