using System.Reflection;

namespace SmtpTap.Web;

/// <summary>The page's files, embedded in the assembly (no CDN, no external fonts: it works offline).</summary>
internal static class WebAssets
{
    private static readonly Dictionary<string, (byte[] Content, string Type)> s_files = Load();

    public static bool TryGet(string name, out byte[] content, out string contentType)
    {
        if (s_files.TryGetValue(name, out var file))
        {
            (content, contentType) = file;
            return true;
        }

        content = [];
        contentType = string.Empty;
        return false;
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        var assembly = typeof(WebAssets).Assembly;
        foreach (var name in new[] { "index.html", "app.js", "app.css", "message.js" })
        {
            using var stream = assembly.GetManifestResourceStream("SmtpTap.Web.Assets." + name)
                ?? throw new InvalidOperationException("missing embedded web asset " + name);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                _ => "text/css; charset=utf-8",
            };
            files[name] = (copy.ToArray(), type);
        }

        return files;
    }
}
