using System.Buffers;
using System.Text;

namespace SmtpTap.Tests.Fuzz;

/// <summary>Seeded generators for the parser fuzz tests: random bytes, byte-level mutations of valid samples, and random splits.</summary>
internal static class FuzzInput
{
    private static readonly byte[] s_interesting = "\r\n\0. -=+/*<>:\u0001"u8.ToArray();

    public static byte[] Random(Random random, int maxLength)
    {
        var bytes = new byte[random.Next(0, maxLength + 1)];
        random.NextBytes(bytes);
        if (random.Next(2) == 0)
        {
            // Bias towards protocol punctuation so framing paths are reached often.
            for (var i = 0; i < bytes.Length; i++)
            {
                if (random.Next(4) == 0)
                {
                    bytes[i] = s_interesting[random.Next(s_interesting.Length)];
                }
            }
        }

        return bytes;
    }

    public static byte[] Mutate(Random random, byte[] valid)
    {
        var list = new List<byte>(valid);
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits; e++)
        {
            var at = list.Count == 0 ? 0 : random.Next(list.Count);
            switch (random.Next(5))
            {
                case 0 when list.Count > 0:
                    list[at] = (byte)random.Next(256);
                    break;
                case 1:
                    list.Insert(at, s_interesting[random.Next(s_interesting.Length)]);
                    break;
                case 2 when list.Count > 0:
                    list.RemoveAt(at);
                    break;
                case 3 when list.Count > 0:
                    list.InsertRange(at, list.GetRange(at, Math.Min(list.Count - at, random.Next(1, 64))));
                    break;
                default:
                    list.Insert(at, (byte)random.Next(256));
                    break;
            }
        }

        return [.. list];
    }

    public static byte[] Next(Random random, IReadOnlyList<string> samples, int maxLength) =>
        random.Next(3) == 0 ? Random(random, maxLength) : Mutate(random, Encoding.Latin1.GetBytes(samples[random.Next(samples.Count)]));

    /// <summary>The same bytes as a multi-segment sequence cut at random points.</summary>
    public static ReadOnlySequence<byte> Split(Random random, byte[] data)
    {
        if (data.Length < 2)
        {
            return new ReadOnlySequence<byte>(data);
        }

        var cuts = Enumerable.Range(0, random.Next(1, 8)).Select(_ => random.Next(1, data.Length)).Distinct().Order().ToList();
        cuts.Add(data.Length);
        Segment? first = null;
        Segment? last = null;
        var start = 0;
        foreach (var cut in cuts)
        {
            var segment = new Segment(data.AsMemory(start, cut - start));
            if (first is null)
            {
                first = segment;
            }
            else
            {
                last!.Append(segment);
            }

            last = segment;
            start = cut;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
