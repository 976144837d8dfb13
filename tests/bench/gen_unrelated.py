#!/usr/bin/env python3
"""Writes a policy-like Markdown document of about SIZE bytes from a seed:
headings, paragraphs and lists of Arabic and English words, so two seeds
give two unrelated documents for the worst-case diff benchmark."""
import random
import sys

WORDS = ("الخصوصية المعلومات المستخدم الخدمة البيانات نقوم بجمع حماية الشخصية "
         "مالاكايت قد نشارك privacy data service users cookies we may share").split()


def document(seed, size):
    rng = random.Random(seed)
    out, n = [], 0
    while n < size:
        kind = rng.random()
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60)))
        if kind < 0.1:
            block = "## " + " ".join(words.split()[:5])
        elif kind < 0.3:
            block = "\n".join(f"{i + 1}. {words}" for i in range(rng.randint(2, 5)))
        else:
            block = words + "."
        out.append(block)
        n += len(block.encode()) + 2
    return "\n\n".join(out) + "\n"


if __name__ == "__main__":
    seed, size = int(sys.argv[1]), int(sys.argv[2])
    sys.stdout.write(document(seed, size))
