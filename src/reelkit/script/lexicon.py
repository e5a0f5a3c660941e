"""Word lists for the breakdown: nouns (singular, lower case) of each breakdown category.

Written for reelkit. Multi-word entries ("police car") are matched before single words. A word may
sit in one category only; the order of :data:`CATEGORY_ORDER` decides ties.
"""

from __future__ import annotations

import functools

__all__ = ["CATEGORY_ORDER", "LEXICON", "NOTE_CATEGORIES", "PERSON_NOUNS", "PHRASE_FIRST_WORDS", "lookup", "singular"]


def _words(s: str) -> frozenset[str]:
    return frozenset(w.strip() for w in s.split(",") if w.strip())


VEHICLES = _words("""
car, van, truck, lorry, bus, taxi, cab, limo, limousine, motorcycle, motorbike, scooter, moped, bicycle, bike,
tractor, jeep, suv, pickup, pickup truck, police car, squad car, cruiser, patrol car, ambulance, fire truck,
fire engine, hearse, convertible, sedan, station wagon, minivan, camper, trailer, rv, tank, train, tram, subway,
subway car, boat, ship, yacht, canoe, kayak, rowboat, ferry, sailboat, speedboat, submarine, plane, airplane,
aeroplane, jet, helicopter, chopper, glider, hot air balloon, skateboard, wheelchair, stroller, pram, carriage,
wagon, cart, golf cart, forklift, snowmobile, getaway car, sports car, delivery van, ice cream van
""")

ANIMALS = _words("""
dog, puppy, cat, kitten, horse, pony, cow, bull, calf, pig, sheep, lamb, goat, chicken, hen, rooster, duck, goose,
swan, bird, pigeon, crow, raven, seagull, gull, owl, eagle, hawk, parrot, canary, sparrow, rat, mouse, mice, snake,
lizard, frog, toad, fish, goldfish, shark, dolphin, whale, bear, wolf, fox, deer, stag, rabbit, hare, squirrel,
monkey, ape, gorilla, elephant, lion, tiger, camel, donkey, mule, bee, wasp, fly, mosquito, spider, butterfly,
moth, cockroach, ant, bat, hamster, guinea pig, tortoise, turtle, crab, lobster, insect, stray dog, guard dog
""")

WARDROBE = _words("""
coat, raincoat, overcoat, trench coat, jacket, leather jacket, blazer, suit, tuxedo, dress, gown, wedding dress,
skirt, shirt, t-shirt, blouse, sweater, jumper, hoodie, cardigan, vest, waistcoat, trousers, pants, jeans, shorts,
uniform, police uniform, scrubs, lab coat, apron, overalls, robe, bathrobe, dressing gown, pyjamas, pajamas,
nightgown, hat, cap, baseball cap, beanie, helmet, hood, scarf, gloves, glove, mittens, tie, bow tie, belt, boots,
boot, shoes, shoe, sneakers, trainers, heels, sandals, slippers, socks, stockings, veil, mask, balaclava, cape,
costume, sunglasses, glasses, spectacles, earrings, necklace, bracelet, wristwatch, ring, wedding ring, badge,
backpack, handbag, purse, briefcase, poncho, kilt, sari, kimono, tracksuit, swimsuit, bikini, wetsuit, jumpsuit
""")

PROPS = _words("""
can, film can, reel, film reel, splicer, projector, camera, tripod, keys, key, key ring, letter, envelope,
letterhead, document, contract, file, folder, notebook, diary, journal, book, newspaper, magazine, map, photo,
photograph, picture, still, poster, ticket, tickets, phone, cell phone, mobile phone, smartphone, telephone,
radio, walkie-talkie, laptop, computer, tablet, tv, television, remote, screen, monitor, cassette, tape,
vinyl, record, record player, headphones, microphone, speaker, guitar, piano, violin, drum, trumpet, gun,
pistol, revolver, rifle, shotgun, knife, sword, axe, bat, baseball bat, club, bow, arrow, grenade, bomb,
handcuffs, rope, chain, torch, flashlight, lantern, candle, lighter, match, matches, cigarette, cigar, pipe,
ashtray, bottle, beer, wine, glass, wine glass, cup, mug, coffee mug, teapot, kettle, thermos, plate, bowl,
fork, spoon, chopsticks, tray, pot, pan, popcorn, sandwich, pizza, cake, birthday cake, apple, bread, coffee,
tea, flask, bag, paper bag, plastic bag, suitcase, box, crate, package, parcel, gift, present, umbrella,
blanket, pillow, towel, sheet, clock, alarm clock, watch, pocket watch, calendar, lamp, mirror, painting,
frame, vase, flowers, bouquet, rose, money, cash, wallet, coin, coins, credit card, card, cards, dice, chess
board, pen, pencil, marker, paper, scissors, tape measure, hammer, wrench, screwdriver, drill, saw, shovel,
spade, ladder, bucket, mop, broom, toolbox, syringe, pills, pill bottle, bandage, stethoscope, crutch, cane,
walking stick, leash, collar, cage, ball, football, toy, doll, teddy bear, kite, balloon, trophy, medal,
flag, sign, placard, banner, marquee, menu, receipt, bill, invoice, passport, id card, license, badge holder,
binoculars, telescope, compass, briefcase handle, lockbox, safe, padlock, crowbar, gas can, jerrycan, lighter
fluid, match box, matchbox, cigarette pack, ice, ice bucket, champagne, whisky, whiskey, vodka, soda, can of
soda, rewind bench, film, typewriter, fax, printer, envelope, stamp, postcard, microphone stand, stopwatch
""")

SFX = _words("""
rain, downpour, storm, thunderstorm, lightning, snow, snowfall, blizzard, hail, fog, mist, smoke, fire, flames,
flame, blaze, explosion, blast, sparks, spark, steam, wind, gust, dust, dust storm, flood, water, wave, waves,
gunfire, muzzle flash, bullet hit, squib, breakaway glass, shatter, fireworks, flare, flicker, flickers,
flickering, blackout, power cut, earthquake, tremor, collapse, wet-down, rain machine, wind machine, beam of
light, light beam, strobe
""")

SOUND = _words("""
ring, rings, ringing, buzz, buzzes, buzzing, beep, beeps, bell, bells, church bells, doorbell, siren, sirens,
alarm, horn, honk, honks, squeal, squeals, screech, screeches, clatter, clatters, clattering, bang, bangs,
crash, crashes, thud, thump, knock, knocks, knocking, slam, slams, click, clicks, whistle, whistles, hum, hums,
rumble, rumbles, roar, roars, scream, screams, shout, shouts, applause, cheer, cheers, laughter, music, song,
radio static, static, thunder, gunshot, gunshots, shot, shots, footsteps, tick, ticking, whirr, whirring,
hiss, hisses, crackle, crackles, echo, echoes, silence, voice over, v.o., o.s., o.c.
""")

MAKEUP = _words("""
blood, bloody, bleeding, wound, cut, scar, scars, bruise, bruised, bruises, black eye, burn, burns, tattoo,
tattoos, sweat, sweating, sweaty, tears, crying, grease, dirt, dirty, grime, mud, muddy, soaked, drenched, wet,
pale, makeup, make-up, lipstick, mascara, wig, beard, moustache, mustache, stubble, bald, grey hair, gray hair,
wrinkles, freckles, prosthetic, bandaged, swollen, pimple, sunburn, frostbite, ash, soot, sooty
""")

EXTRAS = _words("""
crowd, crowds, audience, spectators, onlookers, passersby, passers-by, pedestrians, commuters, shoppers,
tourists, diners, patrons, customers, guests, people, children, kids, students, pupils, soldiers, officers,
police officers, cops, nurses, doctors, waiters, waitresses, dancers, musicians, band, choir, workers,
protesters, fans, mourners, partygoers, villagers, townspeople, prisoners, inmates, reporters, journalists,
photographers, paparazzi, staff, crew, extras, background, couples, families, teenagers, gang, mob, army,
troops, players, team, congregation, passengers
""")

#: Singular person nouns: a capitalised one in action is a (non-speaking) role or a featured extra.
PERSON_NOUNS = _words("""
man, woman, old man, old woman, young man, young woman, boy, girl, child, kid, baby, teenager, teen, stranger,
courier, driver, cab driver, taxi driver, waiter, waitress, bartender, barman, barmaid, cop, officer, police
officer, policeman, policewoman, detective, guard, security guard, soldier, nurse, doctor, priest, nun, clerk,
cashier, receptionist, janitor, cleaner, mailman, postman, postwoman, neighbour, neighbor, landlord, landlady,
usher, projectionist, reporter, journalist, photographer, tourist, customer, patron, passenger, pedestrian,
vendor, street vendor, beggar, homeless man, homeless woman, student, teacher, professor, lawyer, judge,
thug, henchman, gunman, robber, thief, pilot, sailor, fisherman, farmer, mechanic, chef, cook, maid, butler,
secretary, assistant, manager, boss, worker, builder, developer, collector, dancer, singer, musician, couple
""")

LEXICON: dict[str, frozenset[str]] = {
    "vehicles": VEHICLES,
    "animals": ANIMALS,
    "extras": EXTRAS,
    "wardrobe": WARDROBE,
    "makeup": MAKEUP,
    "sfx": SFX,
    "sound": SOUND,
    "props": PROPS,
}

#: Tie-break order: earlier categories win ("bat" the animal loses to nothing before it, etc.).
CATEGORY_ORDER: tuple[str, ...] = ("vehicles", "animals", "extras", "wardrobe", "makeup", "sfx", "sound", "props")

#: Fountain note prefixes ``[[prop: gun]]`` → category.
NOTE_CATEGORIES: dict[str, str] = {
    "prop": "props", "props": "props", "set dressing": "props", "dressing": "props",
    "wardrobe": "wardrobe", "costume": "wardrobe", "costumes": "wardrobe",
    "vehicle": "vehicles", "vehicles": "vehicles", "car": "vehicles",
    "animal": "animals", "animals": "animals", "livestock": "animals",
    "sfx": "sfx", "fx": "sfx", "special effects": "sfx", "special effect": "sfx", "vfx": "sfx", "effects": "sfx",
    "sound": "sound", "sounds": "sound", "music": "sound",
    "makeup": "makeup", "make-up": "makeup", "hair": "makeup", "hair/makeup": "makeup", "hmu": "makeup",
    "extras": "extras", "extra": "extras", "background": "extras", "bg": "extras",
    "cast": "cast", "character": "cast",
    "stunt": "other", "stunts": "other", "note": "other",
}


@functools.lru_cache(maxsize=65536)
def singular(word: str) -> str:
    """A crude English singular for lexicon look-ups (``keys`` → ``key``, ``glasses`` stays if listed)."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


_INDEX: dict[str, str] = {}
for _cat in reversed(CATEGORY_ORDER):  # earlier categories overwrite later ones
    for _w in LEXICON[_cat]:
        _INDEX[_w] = _cat

#: First words of the multi-word entries ("police" for "police car").
PHRASE_FIRST_WORDS: frozenset[str] = frozenset(w.split()[0] for w in _INDEX if " " in w)


@functools.lru_cache(maxsize=65536)
def lookup(phrase: str) -> str | None:
    """Category of ``phrase`` (any case, singular or simple plural), or ``None``."""
    p = phrase.lower().strip()
    cat = _INDEX.get(p)
    if cat is not None:
        return cat
    parts = p.split()
    if parts:
        return _INDEX.get(" ".join([*parts[:-1], singular(parts[-1])]))
    return None
