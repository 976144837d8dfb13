#!/usr/bin/env python3
"""Benchmark corpus: POLICIES x LOCALES x VERSIONS version files made from the
bundled Malachite policy, each version a seeded random edit of the one before
(words substituted, sentences reworded, paragraphs and list items inserted
and deleted), in Arabic for right-to-left locales and English for the others.

Writes OUT/content (policypress) and OUT/hugo (the same Markdown as plain Hugo
pages, one per version, with minimal layouts).
  gen_corpus.py SOURCE_ROOT OUT [POLICIES LOCALES VERSIONS SEED]"""
import datetime
import os
import random
import re
import sys

source_root, out = sys.argv[1], sys.argv[2]
policies, locales, versions = (int(x) for x in (sys.argv[3:6] if len(sys.argv) > 5 else (200, 5, 10)))
seed = int(sys.argv[6]) if len(sys.argv) > 6 else 1

LOCALES = [("ar", "ar"), ("en", "en"), ("fa", "ar"), ("fr", "en"), ("ur", "ar"), ("de", "en"), ("he", "ar")]


def load(lang):
    text = open(f"{source_root}/content/privacy/{lang}/2024-09-01.md", encoding="utf-8").read()
    body = text.split("---\n", 2)[2]
    return [b for b in body.strip().split("\n\n") if b.strip()]


BLOCKS = {"ar": load("ar"), "en": load("en")}
WORDS = {lang: sorted({w for b in blocks for w in re.findall(r"\w+", b) if len(w) > 3})
         for lang, blocks in BLOCKS.items()}


def edit(blocks, lang, rng):
    blocks = list(blocks)
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        i = rng.randrange(len(blocks))
        if kind < 0.4:  # substitute a word
            words = blocks[i].split(" ")
            j = rng.randrange(len(words))
            if not words[j].startswith("#") and not words[j].startswith("{"):
                words[j] = rng.choice(WORDS[lang])
            blocks[i] = " ".join(words)
        elif kind < 0.6:  # reword a sentence: shuffle a few of its words
            words = blocks[i].split(" ")
            if len(words) > 8 and not blocks[i].startswith("#"):
                k = rng.randrange(len(words) - 4)
                part = words[k:k + 4]
                rng.shuffle(part)
                words[k:k + 4] = part
                blocks[i] = " ".join(words)
        elif kind < 0.75:  # insert a paragraph
            blocks.insert(i, rng.choice([b for b in BLOCKS[lang] if not b.startswith("#")]))
        elif kind < 0.85 and len(blocks) > 6:  # delete a paragraph
            if not blocks[i].startswith("#"):
                del blocks[i]
        else:  # insert or delete a list item
            items = [k for k, b in enumerate(blocks) if re.match(r"\d+\. ", b)]
            if items:
                k = rng.choice(items)
                if rng.random() < 0.5 and len(items) > 1:
                    del blocks[k]
                else:
                    blocks.insert(k + 1, f"{len(items) + 1}. " + " ".join(rng.sample(WORDS[lang], 12)))
    return blocks


rng = random.Random(seed)
os.makedirs(f"{out}/content", exist_ok=True)
with open(f"{out}/content/site.yaml", "w", encoding="utf-8") as f:
    f.write("default_locale: ar\nbase_url: https://bench.example/\ntitle:\n")
    for code, _ in LOCALES[:locales]:
        f.write(f"  {code}: Bench\n")
hugo = f"{out}/hugo"
os.makedirs(f"{hugo}/layouts/_default", exist_ok=True)
with open(f"{hugo}/config.toml", "w") as f:
    f.write('baseURL = "https://bench.example/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n'
            '[markup.goldmark.renderer]\nunsafe = false\n')
with open(f"{hugo}/layouts/_default/single.html", "w") as f:
    f.write('<!DOCTYPE html><html lang="{{ .Params.locale }}"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
            '<body><main><h1>{{ .Title }}</h1>{{ .Content }}<footer><time>{{ .Date.Format "2006-01-02" }}</time></footer></main></body></html>\n')
with open(f"{hugo}/layouts/_default/list.html", "w") as f:
    f.write('<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>'
            '{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</body></html>\n')
count = 0
for p in range(policies):
    name = f"policy{p:04d}"
    for code, lang in LOCALES[:locales]:
        blocks = BLOCKS[lang]
        day = datetime.date(2015, 1, 1) + datetime.timedelta(days=p % 30)
        for v in range(versions):
            if v:
                blocks = edit(blocks, lang, rng)
            body = "\n\n".join(blocks) + "\n"
            title = "سياسة الخصوصية" if lang == "ar" else "Privacy Policy"
            os.makedirs(f"{out}/content/{name}/{code}", exist_ok=True)
            with open(f"{out}/content/{name}/{code}/{day}.md", "w", encoding="utf-8") as f:
                f.write(f"---\ntitle: {title}\nupdated: {day}\nsummary: Version {v + 1}\n---\n\n{body}")
            os.makedirs(f"{hugo}/content/{code}/{name}", exist_ok=True)
            with open(f"{hugo}/content/{code}/{name}/{day}.md", "w", encoding="utf-8") as f:
                f.write(f'---\ntitle: "{title}"\ndate: {day}\nlocale: {code}\n---\n\n{body}')
            count += 1
            day += datetime.timedelta(days=91)
print(count)
